package dev.backendctl.client

import aws.sdk.kotlin.services.cognitoidentity.model.ResourceNotFoundException
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.SerializationException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The app's path against the stack `backend-ctl up` made on the emulator, and against `backend-ctl dev`. */
class BackendStackTest {
    private val config = Stack.config

    @Test
    fun `greets with Cognito credentials, Cognito's calls unsigned and Invoke signed with the issued key`() = runBlocking {
        RecordingProxy(Stack.endpoint).use { proxy ->
            val (greeting, identity) = Stack.backend(lambdaEndpoint = proxy.url, cognitoEndpoint = proxy.url).use { backend ->
                Greeter(backend).greet("Ada", "Lovelace") to backend.identityId()
            }
            assertEquals(GREETING, greeting)
            println("the Kotlin client, as identity $identity: $greeting")

            val requests = proxy.requests()
            fun cognito(action: String) = requests.filter { it.header("X-Amz-Target") == "AWSCognitoIdentityService.$action" }
            assertEquals(1, cognito("GetId").size, "one GetId")
            assertEquals(1, cognito("GetCredentialsForIdentity").size, "one GetCredentialsForIdentity")
            for (request in cognito("GetId") + cognito("GetCredentialsForIdentity")) {
                assertNull(request.header("Authorization"), "unsigned: ${request.header("X-Amz-Target")}")
                assertNull(request.header("X-Amz-Security-Token"), "no session token: ${request.header("X-Amz-Target")}")
            }
            assertTrue(config.identityPoolId in cognito("GetId").single().body)
            assertTrue(identity in cognito("GetCredentialsForIdentity").single().body)

            val invoke = requests.single { it.path.startsWith("/2015-03-31/functions/${config.functionName}/invocations") }
            val issued = Stack.issued(identity).single()
            val authorization = invoke.header("Authorization") ?: error("Invoke went unsigned")
            assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=${issued.accessKeyId}/"), authorization)
            assertNotNull(invoke.header("X-Amz-Security-Token"), "Invoke carries the identity's session token")
        }
    }

    @Test
    fun `an Event invocation is handed to Lambda, with the event id it returns`() = runBlocking {
        RecordingProxy(Stack.endpoint).use { proxy ->
            val id = Stack.backend(lambdaEndpoint = proxy.url).use { it.invokeAsync(ADA) }
            val invoke = proxy.requests().single { it.path.substringBefore("?").endsWith("/invocations") }
            assertEquals("Event", invoke.header("X-Amz-Invocation-Type"))
            assertEquals(
                mapOf("firstName" to "Ada", "lastName" to "Lovelace", Backend.EVENT_ID_FIELD to id),
                BackendJson.decodeFromString<Map<String, String>>(invoke.body),
                "the body Lambda received",
            )
        }
    }

    @Test
    fun `a function error is a typed exception with Lambda's payload`() = runBlocking {
        Stack.backend().use { backend ->
            val e = assertThrows<BackendException.FunctionError> { backend.invoke("""{"firstName": "Ada"}""") }
            assertEquals("BadRequest", e.errorType)
            assertTrue("lastName" in e.errorMessage, e.errorMessage)
            assertTrue("\"errorType\"" in e.payload && "BadRequest" in e.payload, e.payload)

            val typed = assertThrows<BackendException.FunctionError> { Greeter(backend).greet("Ada", "") }
            assertEquals("BadRequest", typed.errorType)
        }
    }

    @Test
    fun `an answer that does not fit the type is a SerializationException`() = runBlocking {
        Stack.backend().use { backend ->
            assertThrows<SerializationException> { backend.call<GreetRequest, GreetRequest>(GreetRequest("Ada", "Lovelace")) }
        }
        Unit
    }

    @Test
    fun `Cognito's errors reach the caller as they are`() = runBlocking {
        val unknownPool = config.copy(identityPoolId = "${config.region}:00000000-0000-4000-8000-000000000000")
        Backend(unknownPool, InMemoryIdentityStore(), lambdaEndpoint = Stack.endpoint, cognitoEndpoint = Stack.endpoint).use { backend ->
            val e = assertThrows<ResourceNotFoundException> { backend.invoke(ADA) }
            assertTrue(unknownPool.identityPoolId in e.message, e.message)
        }
        Unit
    }

    @Test
    fun `the alias that up wrote into the config is invoked, and nothing else may be`() = runBlocking {
        assertEquals("live", config.qualifier, "up writes the alias the app calls")
        RecordingProxy(Stack.endpoint).use { proxy ->
            val greeting = Backend(config, InMemoryIdentityStore(), lambdaEndpoint = proxy.url, cognitoEndpoint = Stack.endpoint)
                .use { backend -> Greeter(backend).greet("Ada", "Lovelace") }
            assertEquals(GREETING, greeting)
            val invoke = proxy.requests().single { it.path.contains("/invocations") }
            assertTrue(invoke.path.endsWith("/invocations?Qualifier=live"), invoke.path)
        }
        // The app's identity may invoke the alias only: Lambda authorizes against the qualified ARN.
        for (other in listOf(null, "\$LATEST", "1")) {
            Backend(config.copy(qualifier = other), InMemoryIdentityStore(), lambdaEndpoint = Stack.endpoint, cognitoEndpoint = Stack.endpoint)
                .use { backend -> assertThrows<BackendException.NotAuthorized>("qualifier $other") { backend.invoke(ADA) } }
        }
    }

    @Test
    fun `the same client calls backend-ctl dev through the Lambda endpoint override`() = runBlocking {
        RecordingProxy(Stack.devUrl).use { dev ->
            val greeting = Stack.backend(lambdaEndpoint = dev.url).use { Greeter(it).greet("Ada", "Lovelace") }
            assertEquals(GREETING, greeting)
            assertEquals(1, dev.requests().count { it.path.substringBefore("?").endsWith("/invocations") }, "the Invoke went to backend-ctl dev")
        }
    }
}
