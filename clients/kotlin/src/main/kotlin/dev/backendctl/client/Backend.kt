package dev.backendctl.client

import aws.sdk.kotlin.services.lambda.LambdaClient
import aws.sdk.kotlin.services.lambda.invoke
import aws.sdk.kotlin.services.lambda.model.InvocationType
import aws.sdk.kotlin.services.lambda.model.InvokeResponse
import aws.sdk.kotlin.services.lambda.model.LambdaException
import aws.sdk.kotlin.services.lambda.model.TooManyRequestsException
import aws.smithy.kotlin.runtime.net.url.Url
import aws.smithy.kotlin.runtime.time.Clock
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.io.Closeable
import java.util.UUID
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The app's backend: its Lambda function, invoked with this install's Cognito credentials.
 *
 * Make one for the whole app (its credentials cache lives in it) and close it at the end:
 * ```kotlin
 * val backend = Backend(
 *     BackendConfig.parse(resources.openRawResource(R.raw.awsconfiguration).bufferedReader().use { it.readText() }),
 *     SharedPreferencesIdentityStore(context.getSharedPreferences("backend-ctl", Context.MODE_PRIVATE)),
 *     // a debug build may call `backend-ctl dev` on the host (10.0.2.2 from the Android emulator)
 *     lambdaEndpoint = if (BuildConfig.DEBUG) "http://10.0.2.2:9001" else null,
 * )
 * val greeting = Greeter(backend).greet("Ada", "Lovelace")   // from a coroutine
 * ```
 * Every call suspends; none blocks the calling thread on the network.
 *
 * @param config where the backend lives (region, pool, function, alias)
 * @param identityStore where this install's identity id is kept
 * @param lambdaEndpoint another endpoint for Lambda only (`backend-ctl dev`), or `null` for AWS's
 * @param cognitoEndpoint another endpoint for Cognito (a local emulator), or `null` for AWS's
 * @param clock the time credentials' expiry is judged by
 * @param answerMargin how much longer than the function's timeout ([BackendConfig.timeoutSeconds])
 * an answer is waited for: its cold start, and the network
 */
class Backend(
    val config: BackendConfig,
    identityStore: IdentityStore,
    lambdaEndpoint: String? = null,
    cognitoEndpoint: String? = null,
    clock: Clock = Clock.System,
    answerMargin: Duration = DEFAULT_ANSWER_MARGIN,
) : Closeable {

    private val credentials = CognitoIdentityPoolCredentialsProvider(
        identityPoolId = config.identityPoolId,
        store = identityStore,
        region = config.region,
        endpointUrl = cognitoEndpoint,
        clock = clock,
    )
    private val lambda = LambdaClient {
        region = config.region
        credentialsProvider = credentials
        lambdaEndpoint?.let { endpointUrl = Url.parse(it) }
        // One attempt: an Invoke whose answer did not come may have run the function, and sent
        // again it would run twice (the CLI's `invoke` does the same). A throttle is thrown.
        retryStrategy { maxAttempts = 1 }
        // Wait as long as the function may run, and a little more, before giving up on an answer
        // (the engine's default, 30 s, cut slower functions off).
        httpClient { socketReadTimeout = (config.timeoutSeconds ?: MAX_TIMEOUT_SECONDS).seconds + answerMargin }
    }

    /** This install's Cognito identity id: the caller's `cognitoIdentityId` that the function sees. */
    suspend fun identityId(): String = credentials.identityId()

    /**
     * Invokes the function and waits for its answer (`RequestResponse`).
     *
     * @param payload the event, a JSON document
     * @return the function's answer, a JSON document
     * It is sent once: an answer that did not come may still mean the function ran, so it is
     * never sent again behind the caller's back.
     *
     * @throws BackendException.FunctionError when the function failed
     * @throws BackendException.Throttled when Lambda refused to run it
     * @throws BackendException.NotAuthorized when Lambda refused this identity
     */
    suspend fun invoke(payload: String): String {
        val response = send(InvocationType.RequestResponse, payload)
        val answer = response.payload?.decodeToString().orEmpty()
        response.functionError?.let { throw functionError(it, answer) }
        return answer
    }

    /**
     * Hands the event to Lambda and returns once Lambda has queued it (`Event`, HTTP 202). Queued
     * is not run: the function runs later, and its answer or failure is not seen here. When it
     * fails, Lambda tries twice more, then keeps the event among the stack's failed events
     * (`backend-ctl failed` lists them, `backend-ctl replay` runs them again). While the backend is
     * paused (`backend-ctl pause`) the call is still accepted, and the event is kept there untried
     * until `backend-ctl resume --replay` runs it.
     *
     * An event may run more than once (Lambda delivers some twice, and a replay runs one again),
     * so each carries an id in its top-level [EVENT_ID_FIELD] field, the same on every run: a
     * handler whose work must happen once records the ids it has done. The id is [eventId] if
     * given, else the payload's own `eventId` (`null` counts as none), else a new random UUID. To
     * send an event again after an answer that did not come (it may have been queued), send it
     * with the same id. The payload's other fields go as they are, in their order.
     *
     * @param payload the event, a JSON object
     * @param eventId the event's id, or `null` for the payload's own or a new one
     * @return the id the event was sent with
     * @throws IllegalArgumentException when [payload] is not a JSON object, or its `eventId` is not
     * a string, or differs from [eventId]
     * @throws BackendException.Throttled when Lambda refused to queue it (too many Invoke requests);
     * a paused backend does not refuse it
     * @throws BackendException.NotAuthorized when Lambda refused this identity
     */
    suspend fun invokeAsync(payload: String, eventId: String? = null): String {
        val (event, id) = withEventId(payload, eventId)
        send(InvocationType.Event, event)
        return id
    }

    /**
     * Invokes the function with [request] as JSON and reads its answer as [Res]
     * (kotlinx-serialization; keys the answer has beyond [Res]'s are ignored).
     *
     * @throws BackendException as [invoke] does
     * @throws SerializationException when the answer does not fit [Res]
     */
    suspend inline fun <reified Req, reified Res> call(request: Req): Res =
        BackendJson.decodeFromString<Res>(invoke(BackendJson.encodeToString<Req>(request)))

    override fun close() {
        lambda.close()
        credentials.close()
    }

    /**
     * One Invoke; when Lambda refuses the credentials as expired (a phone whose clock is behind
     * judged them fresh), they are dropped and the call is sent once more with new ones: a
     * refused call did not run.
     */
    private suspend fun send(type: InvocationType, payload: String): InvokeResponse {
        val used = credentials.resolve().accessKeyId
        return try {
            sendOnce(type, payload)
        } catch (e: LambdaException) {
            if (e.sdkErrorMetadata.errorCode != EXPIRED_TOKEN) throw e
            credentials.refused(used)
            sendOnce(type, payload)
        }
    }

    private suspend fun sendOnce(type: InvocationType, payload: String): InvokeResponse = try {
        lambda.invoke {
            functionName = config.functionName
            qualifier = config.qualifier
            invocationType = type
            this.payload = payload.encodeToByteArray()
        }
    } catch (e: TooManyRequestsException) {
        throw BackendException.Throttled(e.reason?.value, e)
    } catch (e: LambdaException) {
        // Lambda's model has no AccessDeniedException: it arrives as a LambdaException with that code.
        if (e.sdkErrorMetadata.errorCode == "AccessDeniedException") throw BackendException.NotAuthorized(e)
        throw e
    }

    companion object {
        /** The field of an [invokeAsync] event that carries its id. */
        const val EVENT_ID_FIELD = "eventId"

        /** How much longer than the function's timeout an answer is waited for, unless told otherwise. */
        val DEFAULT_ANSWER_MARGIN: Duration = 10.seconds

        private const val EXPIRED_TOKEN = "ExpiredTokenException"

        /** The longest a Lambda function may run, when the config does not say. */
        private const val MAX_TIMEOUT_SECONDS = 900
    }
}

/** The JSON of [Backend.call]: lenient about keys an answer adds. */
@PublishedApi
internal val BackendJson: Json = Json { ignoreUnknownKeys = true }

/**
 * [payload], a JSON object, with its [Backend.EVENT_ID_FIELD] set, and that id: [eventId] if
 * given, else the payload's own (unless `null`), else a new random UUID. The other fields are kept,
 * in order.
 *
 * @return the event to send, and its id
 * @throws IllegalArgumentException as [Backend.invokeAsync] does
 */
internal fun withEventId(payload: String, eventId: String?): Pair<String, String> {
    val field = Backend.EVENT_ID_FIELD
    val event = try {
        BackendJson.parseToJsonElement(payload) as? JsonObject
    } catch (e: SerializationException) {
        throw IllegalArgumentException("an Event payload must be a JSON object, to carry \"$field\"; it is not valid JSON", e)
    } ?: throw IllegalArgumentException("an Event payload must be a JSON object, to carry \"$field\"")
    val own = when (val value = event[field]) {
        null, JsonNull -> null
        else -> (value as? JsonPrimitive)?.takeIf { it.isString }?.content
            ?: throw IllegalArgumentException("the payload's \"$field\" must be a string, not $value")
    }
    require(eventId == null || own == null || eventId == own) {
        "eventId \"$eventId\" differs from the payload's own \"$field\" \"$own\""
    }
    val id = eventId ?: own ?: UUID.randomUUID().toString()
    // toString, not encodeToString: that one re-encodes numbers as Long or Double (1.50 to 1.5, and
    // digits beyond a Double's lost); toString writes each as it came.
    return JsonObject(event + (field to JsonPrimitive(id))).toString() to id
}

/** Lambda's error payload, `{"errorType": …, "errorMessage": …}`, as a [BackendException.FunctionError]. */
private fun functionError(header: String, payload: String): BackendException.FunctionError {
    val fields = try {
        BackendJson.parseToJsonElement(payload) as? JsonObject
    } catch (e: SerializationException) {
        null
    }
    fun field(name: String) = (fields?.get(name) as? JsonPrimitive)?.takeIf { it.isString }?.content
    return BackendException.FunctionError(
        errorType = field("errorType") ?: header,
        errorMessage = field("errorMessage") ?: payload,
        payload = payload,
    )
}
