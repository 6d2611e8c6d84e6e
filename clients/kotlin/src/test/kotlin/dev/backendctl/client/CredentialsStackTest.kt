package dev.backendctl.client

import aws.sdk.kotlin.services.cognitoidentity.deleteIdentities
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * The credentials provider against the emulator's Cognito: identities counted with ListIdentities
 * (one per GetId), credentials with the emulator's record of what GetCredentialsForIdentity issued.
 */
class CredentialsStackTest {
    private val pool = Stack.config.identityPoolId

    @Test
    fun `two clients sharing a store share one identity, from one GetId`() = runBlocking {
        val before = Stack.identities()
        val store = InMemoryIdentityStore()
        val first = Stack.backend(store).use { assertEquals(ADA_GREETING, it.invoke(ADA)); it.identityId() }
        val second = Stack.backend(store).use { assertEquals(ADA_GREETING, it.invoke(ADA)); it.identityId() }

        assertEquals(first, second)
        assertEquals(setOf(first), Stack.identities() - before, "exactly one new identity in the pool: one GetId")
        assertEquals(first, store.load(pool))
        assertEquals(2, Stack.issued(first).size, "each client got its own credentials for the one identity")
    }

    @Test
    fun `credentials are cached until the buffer before Expiration, then refreshed`() = runBlocking {
        val clock = TestClock()
        Stack.backend(clock = clock).use { backend ->
            backend.invoke(ADA)
            val identity = backend.identityId()
            val expiration = epochSeconds(Stack.issued(identity).single().expiration)

            clock.now = expiration - 5.minutes - 1.seconds
            backend.invoke(ADA)
            assertEquals(1, Stack.issued(identity).size, "still cached just before the 5-minute buffer")

            clock.now = expiration - 5.minutes + 1.seconds
            assertEquals(ADA_GREETING, backend.invoke(ADA))
            assertEquals(2, Stack.issued(identity).size, "refreshed inside the buffer")
        }
    }

    @Test
    fun `credentials that live less than twice the buffer are refreshed halfway`() = runBlocking {
        Stack.withCredentialsLifetime(120) {
            val clock = TestClock()
            Stack.backend(clock = clock).use { backend ->
                backend.invoke(ADA)
                val identity = backend.identityId()
                val issued = Stack.issued(identity).single()
                val halfway = epochSeconds(issued.expiration - 60)

                clock.now = halfway - 2.seconds
                backend.invoke(ADA)
                assertEquals(1, Stack.issued(identity).size, "a 2-minute credential is kept for its first minute")

                clock.now = halfway + 2.seconds
                backend.invoke(ADA)
                assertEquals(2, Stack.issued(identity).size, "and replaced in its second")
            }
        }
    }

    @Test
    fun `20 concurrent invokes make one GetCredentialsForIdentity`() = runBlocking {
        val before = Stack.identities()
        Stack.backend().use { backend ->
            val answers = (1..20).map { async(Dispatchers.Default) { backend.invoke(ADA) } }.awaitAll()
            assertEquals(List(20) { ADA_GREETING }, answers)
            val identity = backend.identityId()
            assertEquals(1, Stack.issued(identity).size, "one GetCredentialsForIdentity for 20 callers")
            assertEquals(setOf(identity), Stack.identities() - before, "one GetId for 20 callers")
        }
    }

    @Test
    fun `an identity the pool no longer knows is replaced with one new GetId`() = runBlocking {
        val store = InMemoryIdentityStore()
        val deleted = Stack.backend(store).use { it.invoke(ADA); it.identityId() }
        Stack.cognitoAdmin.deleteIdentities { identityIdsToDelete = listOf(deleted) }
        val before = Stack.identities()
        assertFalse(deleted in before, "DeleteIdentities removed it")

        val fresh = Stack.backend(store).use { backend ->
            assertEquals(ADA_GREETING, backend.invoke(ADA))
            backend.identityId()
        }
        assertNotEquals(deleted, fresh)
        assertEquals(setOf(fresh), Stack.identities() - before, "exactly one new GetId")
        assertEquals(fresh, store.load(pool), "the store holds the new identity")
        assertEquals(1, Stack.issued(fresh).size)
        assertEquals(1, Stack.issued(deleted).size, "the deleted identity got no credentials after its deletion")
    }

    @Test
    fun `an identity id the pool never issued is replaced too`() = runBlocking {
        val store = InMemoryIdentityStore()
        val unknown = "${Stack.config.region}:00000000-0000-4000-8000-0000000000ff"
        store.save(pool, unknown)
        val before = Stack.identities()
        val fresh = Stack.backend(store).use { it.invoke(ADA); it.identityId() }
        assertNotEquals(unknown, fresh)
        assertEquals(setOf(fresh), Stack.identities() - before, "exactly one new GetId")
        assertEquals(fresh, store.load(pool))
    }
}

const val ADA_GREETING = """{"greetings":"Hello, Ada Lovelace."}"""
