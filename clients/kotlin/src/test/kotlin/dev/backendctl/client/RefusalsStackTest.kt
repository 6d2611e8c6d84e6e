package dev.backendctl.client

import aws.sdk.kotlin.services.lambda.deleteFunctionConcurrency
import aws.sdk.kotlin.services.lambda.getFunctionConcurrency
import aws.sdk.kotlin.services.lambda.putFunctionConcurrency
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Lambda's refusals as the app sees them; each test changes the stack and puts it back. */
class RefusalsStackTest {
    private val function = Stack.config.functionName

    /** [block] runs with the function paused as `backend-ctl pause` does (reserved concurrency 0); then it is put back. */
    private suspend fun paused(block: suspend () -> Unit) {
        val reserved = Stack.lambdaAdmin.getFunctionConcurrency { functionName = function }.reservedConcurrentExecutions
        Stack.lambdaAdmin.putFunctionConcurrency { functionName = function; reservedConcurrentExecutions = 0 }
        try {
            block()
        } finally {
            if (reserved != null) {
                Stack.lambdaAdmin.putFunctionConcurrency { functionName = function; reservedConcurrentExecutions = reserved }
            } else {
                Stack.lambdaAdmin.deleteFunctionConcurrency { functionName = function }
            }
        }
        Stack.backend().use { assertEquals(ADA_GREETING, it.invoke(ADA), "restored") }
    }

    @Test
    fun `reserved concurrency 0 is Throttled`() = runBlocking {
        paused {
            Stack.backend().use { backend ->
                val e = assertThrows<BackendException.Throttled> { backend.invoke(ADA) }
                assertEquals("ReservedFunctionConcurrentInvocationLimitExceeded", e.reason)
                assertTrue(e.message!!.startsWith("backend paused or overloaded"), e.message)
            }
        }
    }

    @Test
    fun `a paused backend still accepts an Event call (kept untried among the failed events), not Throttled`() = runBlocking {
        paused {
            Stack.backend().use { backend -> assertTrue(backend.invokeAsync(ADA).isNotEmpty(), "queued, with its id") }
        }
    }

    @Test
    fun `an identity whose role may not invoke the function is NotAuthorized`() = runBlocking {
        val document = Stack.invokePolicyDocument()
        Stack.iam("DeleteRolePolicy", mapOf("RoleName" to Stack.unauthRole, "PolicyName" to Stack.invokePolicy))
        try {
            Stack.backend().use { backend ->
                val e = assertThrows<BackendException.NotAuthorized> { backend.invoke(ADA) }
                assertTrue("invoke policy" in e.message!!, e.message)
            }
        } finally {
            Stack.iam(
                "PutRolePolicy",
                mapOf("RoleName" to Stack.unauthRole, "PolicyName" to Stack.invokePolicy, "PolicyDocument" to document),
            )
        }
        Stack.backend().use { assertEquals(ADA_GREETING, it.invoke(ADA), "restored") }
    }
}
