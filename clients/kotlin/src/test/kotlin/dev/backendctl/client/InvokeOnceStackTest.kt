package dev.backendctl.client

import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * What may have run is never sent twice, an answer is waited for as long as the function may run,
 * and credentials Lambda refuses as expired are replaced once: against the emulator, through a
 * proxy that holds Lambda's answers back.
 */
class InvokeOnceStackTest {
    private fun invokes(proxy: RecordingProxy) = proxy.requests().count { it.path.contains("/invocations") }

    @Test
    fun `an answer slower than the wait is not retried, and the wait follows the function's timeout`() = runBlocking {
        RecordingProxy(Stack.endpoint).use { proxy ->
            proxy.answerDelayMillis = 2_500
            // A 1-second function, waited for 1 + 1 s: its answer comes too late, and the call
            // (which ran) is not sent again.
            val short = Stack.config.copy(timeoutSeconds = 1)
            Backend(short, InMemoryIdentityStore(), proxy.url, Stack.endpoint, answerMargin = 1.seconds).use { backend ->
                val started = TimeSource.Monotonic.markNow()
                assertThrows<Exception> { backend.invoke(ADA) }
                assertTrue(started.elapsedNow() < 2_400.milliseconds, "cut at the function's timeout + margin, not later")
            }
            assertEquals(1, invokes(proxy), "sent once")

            // A 4-second function: the same slow answer is waited for, and arrives.
            val long = Stack.config.copy(timeoutSeconds = 4)
            Backend(long, InMemoryIdentityStore(), proxy.url, Stack.endpoint, answerMargin = 1.seconds).use { backend ->
                assertEquals(ADA_GREETING, backend.invoke(ADA))
            }
            assertEquals(2, invokes(proxy), "the second client's one call")
        }
    }

    @Test
    fun `credentials Lambda refuses as expired are replaced with one new GetCredentialsForIdentity`() = runBlocking {
        Stack.withCredentialsLifetime(2) {
            // A phone whose clock is an hour behind judges 2-second credentials fresh for long.
            val clock = TestClock(aws.smithy.kotlin.runtime.time.Instant.now() - 1.hours)
            Stack.backend(clock = clock).use { backend ->
                assertEquals(ADA_GREETING, backend.invoke(ADA))
                val identity = backend.identityId()
                assertEquals(1, Stack.issued(identity).size)
                delay(2_500)
                assertEquals(ADA_GREETING, backend.invoke(ADA), "refused as expired, then sent with new credentials")
                assertEquals(2, Stack.issued(identity).size, "one new GetCredentialsForIdentity")
                assertEquals(ADA_GREETING, backend.invoke(ADA))
                assertEquals(2, Stack.issued(identity).size, "the new ones are kept")
            }
        }
    }
}
