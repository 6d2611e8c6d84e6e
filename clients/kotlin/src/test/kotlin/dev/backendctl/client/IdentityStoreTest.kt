package dev.backendctl.client

import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

const val POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
const val OTHER_POOL = "us-east-1:99999999-2222-3333-4444-555555555555"

/** What every store must do: load what was saved, per pool; clear one pool only. */
suspend fun behavesAsAStore(store: IdentityStore) {
    assertNull(store.load(POOL))
    store.save(POOL, "us-east-1:identity-a")
    assertEquals("us-east-1:identity-a", store.load(POOL))
    assertNull(store.load(OTHER_POOL), "another pool never sees this pool's identity")
    store.save(OTHER_POOL, "us-east-1:identity-b")
    store.save(POOL, "us-east-1:identity-c")
    assertEquals("us-east-1:identity-c", store.load(POOL))
    store.clear(POOL)
    assertNull(store.load(POOL))
    assertEquals("us-east-1:identity-b", store.load(OTHER_POOL))
    store.clear(POOL) // clearing nothing is fine
}

class IdentityStoreTest {
    @Test
    fun `the in-memory store keeps one identity per pool`() = runTest {
        behavesAsAStore(InMemoryIdentityStore())
    }
}
