package dev.backendctl.client

import java.util.concurrent.ConcurrentHashMap

/**
 * Keeps this install's Cognito identity id between launches, so that one install is one
 * identity: `GetId` is limited to 25 requests per second per account, and every identity
 * counts in the pool.
 *
 * Ids are kept per identity pool: an id of another pool (another stage, or a pool deleted and
 * made again) is never offered to this one.
 *
 * On Android use [SharedPreferencesIdentityStore]; [InMemoryIdentityStore] forgets at exit.
 */
interface IdentityStore {
    /** The identity id saved for [identityPoolId], or `null` if there is none. */
    suspend fun load(identityPoolId: String): String?

    /** Saves [identityId] as the identity of [identityPoolId], replacing any other. */
    suspend fun save(identityPoolId: String, identityId: String)

    /** Forgets the identity of [identityPoolId] (Cognito no longer knows it). */
    suspend fun clear(identityPoolId: String)
}

/** An [IdentityStore] in memory: shared by the clients of one process, forgotten at exit. */
class InMemoryIdentityStore : IdentityStore {
    private val ids = ConcurrentHashMap<String, String>()

    override suspend fun load(identityPoolId: String): String? = ids[identityPoolId]

    override suspend fun save(identityPoolId: String, identityId: String) {
        ids[identityPoolId] = identityId
    }

    override suspend fun clear(identityPoolId: String) {
        ids.remove(identityPoolId)
    }
}
