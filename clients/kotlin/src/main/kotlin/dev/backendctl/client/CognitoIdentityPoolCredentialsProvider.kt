package dev.backendctl.client

import aws.sdk.kotlin.services.cognitoidentity.CognitoIdentityClient
import aws.sdk.kotlin.services.cognitoidentity.getCredentialsForIdentity
import aws.sdk.kotlin.services.cognitoidentity.getId
import aws.sdk.kotlin.services.cognitoidentity.model.CognitoIdentityException
import aws.sdk.kotlin.services.cognitoidentity.model.ResourceNotFoundException
import aws.smithy.kotlin.runtime.auth.awscredentials.CloseableCredentialsProvider
import aws.smithy.kotlin.runtime.auth.awscredentials.Credentials
import aws.smithy.kotlin.runtime.auth.awscredentials.CredentialsProvider
import aws.smithy.kotlin.runtime.collections.Attributes
import aws.smithy.kotlin.runtime.net.url.Url
import aws.smithy.kotlin.runtime.time.Clock
import aws.smithy.kotlin.runtime.time.Instant
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes

/**
 * Temporary AWS credentials of this install's **unauthenticated** identity in a Cognito
 * identity pool (the AWS SDK for Kotlin has none: aws-sdk-kotlin#308), for any SDK client:
 * `LambdaClient { credentialsProvider = provider }`.
 *
 * - The identity id comes from [store], else from one `GetId`, which is then saved: clients
 *   that share a store share one identity. `GetId` and `GetCredentialsForIdentity` are sent
 *   unsigned (the SDK models both with no auth scheme), so the app holds no AWS secret.
 * - Credentials are cached until [refreshBuffer] before their `Expiration` (for credentials that
 *   live less than twice the buffer: until half their life). Concurrent callers wait for one
 *   `GetCredentialsForIdentity` behind a [Mutex], as smithy-kotlin's `CachedCredentialsProvider`
 *   does.
 * - An identity Cognito no longer knows (`ResourceNotFoundException`, or `ValidationException`
 *   for a malformed id; as the AWS SDK for Android does) is cleared from the store and replaced
 *   by one fresh `GetId`, once per refresh; a second failure is thrown, never retried in a loop.
 *   Any other error of Cognito's (a `CognitoIdentityException`) reaches the caller unchanged.
 *
 * Close it (or the [Backend] that made it) when done: it owns an HTTP client.
 *
 * @param identityPoolId the pool, `region:uuid`
 * @param store where the identity id is kept between launches
 * @param region Cognito's region; by default the pool id's prefix
 * @param endpointUrl another endpoint for Cognito (a local emulator), or `null` for AWS's
 * @param refreshBuffer how long before `Expiration` credentials are replaced
 * @param clock the time that [refreshBuffer] is measured against
 */
class CognitoIdentityPoolCredentialsProvider(
    val identityPoolId: String,
    private val store: IdentityStore,
    region: String = identityPoolId.substringBefore(':'),
    endpointUrl: String? = null,
    private val refreshBuffer: Duration = DEFAULT_REFRESH_BUFFER,
    private val clock: Clock = Clock.System,
) : CloseableCredentialsProvider {

    private val cognito = CognitoIdentityClient {
        this.region = region
        endpointUrl?.let { this.endpointUrl = Url.parse(it) }
        credentialsProvider = NoCredentials
    }
    private val mutex = Mutex()

    @Volatile
    private var cached: Cached? = null

    @Volatile
    private var closed = false

    /** The identity id in use; guarded by [mutex]. */
    private var identityId: String? = null

    override suspend fun resolve(attributes: Attributes): Credentials {
        check(!closed) { "the credentials provider is closed" }
        cached?.takeIf { it.isFresh() }?.let { return it.credentials }
        return mutex.withLock {
            check(!closed) { "the credentials provider is closed" }
            val current = cached?.takeIf { it.isFresh() } ?: refresh().also { cached = it }
            current.credentials
        }
    }

    /**
     * This install's identity id in the pool (the one the function sees as the caller's
     * `cognitoIdentityId`): the known one, else a new one from `GetId`.
     */
    suspend fun identityId(): String = mutex.withLock {
        check(!closed) { "the credentials provider is closed" }
        identityId ?: store.load(identityPoolId)?.also { identityId = it } ?: newIdentity()
    }

    /**
     * Drops the cached credentials when they are the ones with [accessKeyId], which a service
     * refused as expired: the next [resolve] fetches new ones. Credentials fetched meanwhile by
     * another caller are kept.
     */
    suspend fun refused(accessKeyId: String) = mutex.withLock {
        if (cached?.credentials?.accessKeyId == accessKeyId) cached = null
    }

    override fun close() {
        closed = true
        cached = null
        cognito.close()
    }

    /** New credentials; the caller holds [mutex]. */
    private suspend fun refresh(): Cached {
        val known = identityId ?: store.load(identityPoolId)
        if (known != null) {
            try {
                return credentialsFor(known)
            } catch (e: CognitoIdentityException) {
                if (!e.isUnknownIdentity()) throw e
                identityId = null
                store.clear(identityPoolId)
            }
        }
        return credentialsFor(newIdentity())
    }

    private suspend fun newIdentity(): String {
        val id = cognito.getId { identityPoolId = this@CognitoIdentityPoolCredentialsProvider.identityPoolId }
            .identityId ?: throw IllegalStateException("Cognito's GetId answered without an IdentityId")
        identityId = id
        store.save(identityPoolId, id)
        return id
    }

    private suspend fun credentialsFor(id: String): Cached {
        val requestedAt = clock.now()
        val issued = cognito.getCredentialsForIdentity { identityId = id }.credentials
            ?: throw IllegalStateException("Cognito's GetCredentialsForIdentity answered without Credentials")
        identityId = id
        val expiration = issued.expiration ?: (requestedAt + DEFAULT_LIFETIME)
        val lifetime = (expiration - requestedAt).coerceAtLeast(Duration.ZERO)
        val credentials = Credentials(
            accessKeyId = issued.accessKeyId.required("AccessKeyId"),
            secretAccessKey = issued.secretKey.required("SecretKey"),
            sessionToken = issued.sessionToken.required("SessionToken"),
            expiration = expiration,
            providerName = PROVIDER_NAME,
        )
        return Cached(credentials, refreshAt = expiration - minOf(refreshBuffer, lifetime / 2))
    }

    private inner class Cached(val credentials: Credentials, val refreshAt: Instant) {
        fun isFresh(): Boolean = clock.now() < refreshAt
    }

    companion object {
        /** How long before their `Expiration` credentials are replaced, unless told otherwise. */
        val DEFAULT_REFRESH_BUFFER: Duration = 5.minutes

        private val DEFAULT_LIFETIME: Duration = 15.minutes
        private const val PROVIDER_NAME = "CognitoIdentityPool"
    }
}

/** Whether Cognito answered that it does not know this identity (deleted, or malformed). */
private fun CognitoIdentityException.isUnknownIdentity(): Boolean =
    this is ResourceNotFoundException || sdkErrorMetadata.errorCode == "ValidationException"

private fun String?.required(field: String): String =
    this ?: throw IllegalStateException("Cognito's GetCredentialsForIdentity answered without $field")

/**
 * The credentials of the Cognito client itself: none. GetId and GetCredentialsForIdentity are
 * modelled with no auth scheme (`smithy.api#auth: []`), so the SDK never asks; if it ever did,
 * this fails loudly instead of signing with someone's credentials from the environment.
 */
private object NoCredentials : CredentialsProvider {
    override suspend fun resolve(attributes: Attributes): Credentials =
        throw IllegalStateException("Cognito's GetId and GetCredentialsForIdentity are sent unsigned; no credentials here")
}
