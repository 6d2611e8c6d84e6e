package dev.backendctl.client

import aws.sdk.kotlin.runtime.auth.credentials.StaticCredentialsProvider
import aws.sdk.kotlin.services.cognitoidentity.CognitoIdentityClient
import aws.sdk.kotlin.services.cognitoidentity.listIdentities
import aws.sdk.kotlin.services.lambda.LambdaClient
import aws.smithy.kotlin.runtime.InternalApi
import aws.smithy.kotlin.runtime.auth.awscredentials.Credentials
import aws.smithy.kotlin.runtime.auth.awssigning.AwsSigningConfig
import aws.smithy.kotlin.runtime.auth.awssigning.DefaultAwsSigner
import aws.smithy.kotlin.runtime.http.Headers
import aws.smithy.kotlin.runtime.http.HttpBody
import aws.smithy.kotlin.runtime.http.HttpMethod
import aws.smithy.kotlin.runtime.http.request.HttpRequest
import aws.smithy.kotlin.runtime.net.url.Url
import aws.smithy.kotlin.runtime.time.Clock
import aws.smithy.kotlin.runtime.time.Instant
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import java.io.File
import java.net.URI
import java.net.URLDecoder
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpResponse.BodyHandlers
import javax.xml.parsers.DocumentBuilderFactory
import java.net.http.HttpRequest as JavaHttpRequest

/**
 * The stack the integration tests run against: made by `backend-ctl up` on the local emulator,
 * with `backend-ctl dev` beside it. scripts/test-client.sh sets it all up and says where.
 */
object Stack {
    /** The emulator (moto + backend-ctl's extension). */
    val endpoint: String by lazy { env("AWS_ENDPOINT_URL").trimEnd('/') }

    /** `backend-ctl dev`: the Lambda Invoke API over the local handler. */
    val devUrl: String by lazy { env("BACKEND_CTL_DEV_URL").trimEnd('/') }

    /** The `BackendCtl` section of the awsconfiguration.json that `up` wrote. */
    val config: BackendConfig by lazy { BackendConfig.parse(File(env("BACKEND_CTL_APP_CONFIG")).readText()) }

    /** The deployer's view (dummy credentials, as the emulator takes any). */
    val cognitoAdmin: CognitoIdentityClient by lazy {
        CognitoIdentityClient {
            region = config.region
            endpointUrl = Url.parse(endpoint)
            credentialsProvider = dummyCredentials
        }
    }

    val lambdaAdmin: LambdaClient by lazy {
        LambdaClient {
            region = config.region
            endpointUrl = Url.parse(endpoint)
            credentialsProvider = dummyCredentials
        }
    }

    private val dummy = Credentials("testing", "testing")
    private val dummyCredentials = StaticCredentialsProvider(dummy)
    private val http: HttpClient = HttpClient.newHttpClient()
    private val json = Json { ignoreUnknownKeys = true }

    /** A client of the app, as the app makes it, against the emulator. */
    fun backend(
        store: IdentityStore = InMemoryIdentityStore(),
        clock: Clock = Clock.System,
        lambdaEndpoint: String = endpoint,
        cognitoEndpoint: String = endpoint,
    ): Backend = Backend(config, store, lambdaEndpoint = lambdaEndpoint, cognitoEndpoint = cognitoEndpoint, clock = clock)

    /** Every identity of the pool (Cognito ListIdentities); each one came from one GetId. */
    suspend fun identities(): Set<String> {
        val ids = mutableSetOf<String>()
        var token: String? = null
        do {
            val page = cognitoAdmin.listIdentities {
                identityPoolId = config.identityPoolId
                maxResults = 60
                nextToken = token
            }
            page.identities.orEmpty().mapNotNullTo(ids) { it.identityId }
            token = page.nextToken
        } while (token != null)
        return ids
    }

    /** The credentials GetCredentialsForIdentity issued to [identityId], in order (the emulator's record). */
    fun issued(identityId: String): List<Issued> {
        val pool = URLEncoder.encode(config.identityPoolId, Charsets.UTF_8)
        val request = JavaHttpRequest.newBuilder(URI("$endpoint/backend-ctl/cognito-identity/issued?IdentityPoolId=$pool")).build()
        val response = http.send(request, BodyHandlers.ofString())
        check(response.statusCode() == 200) {
            "the emulator answered ${response.statusCode()} to GET /backend-ctl/cognito-identity/issued: ${response.body()}"
        }
        return json.decodeFromString<IssuedList>(response.body()).credentials
            .filter { it.identityPoolId == config.identityPoolId && it.identityId == identityId }
    }

    /** Sets how long the credentials the emulator issues live; [block] runs, then the old lifetime is back. */
    suspend fun <T> withCredentialsLifetime(seconds: Int, block: suspend () -> T): T {
        val old = json.decodeFromString<Lifetime>(settings(null)).seconds
        settings("""{"CredentialsLifetimeSeconds": $seconds}""")
        try {
            return block()
        } finally {
            settings("""{"CredentialsLifetimeSeconds": $old}""")
        }
    }

    private fun settings(body: String?): String {
        val builder = JavaHttpRequest.newBuilder(URI("$endpoint/backend-ctl/cognito-identity/settings"))
        if (body != null) builder.POST(JavaHttpRequest.BodyPublishers.ofString(body))
        val response = http.send(builder.build(), BodyHandlers.ofString())
        check(response.statusCode() == 200) { "the emulator's cognito-identity settings: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    /** The unauthenticated role and its invoke policy, as `up` names them. */
    val unauthRole: String get() = "${config.project}-${config.stage}-unauth"
    val invokePolicy: String get() = "${config.project}-${config.stage}-invoke"

    /**
     * One IAM Query API call, SigV4-signed with the dummy credentials by the SDK's own signer
     * (Maven Central serves no IAM client for Kotlin here; the signer is the SDK's internal API,
     * fine for a test); the response's XML.
     */
    @OptIn(InternalApi::class)
    suspend fun iam(action: String, parameters: Map<String, String>): String {
        val form = (mapOf("Action" to action, "Version" to "2010-05-08") + parameters).entries
            .joinToString("&") { (k, v) -> "${URLEncoder.encode(k, Charsets.UTF_8)}=${URLEncoder.encode(v, Charsets.UTF_8)}" }
            .encodeToByteArray()
        val uri = URI("$endpoint/")
        val unsigned = HttpRequest(
            method = HttpMethod.POST,
            url = Url.parse(uri.toString()),
            headers = Headers {
                append("Host", uri.authority)
                append("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            },
            body = HttpBody.fromBytes(form),
        )
        val signed = DefaultAwsSigner.sign(
            unsigned,
            AwsSigningConfig {
                region = config.region
                service = "iam"
                credentials = dummy
                signingDate = Instant.now()
            },
        ).output
        val request = JavaHttpRequest.newBuilder(uri).POST(JavaHttpRequest.BodyPublishers.ofByteArray(form))
        signed.headers.entries().forEach { (name, values) ->
            if (name.lowercase() !in setOf("host", "content-length")) values.forEach { request.header(name, it) }
        }
        val response = http.send(request.build(), BodyHandlers.ofString())
        check(response.statusCode() == 200) { "IAM $action: HTTP ${response.statusCode()}: ${response.body()}" }
        return response.body()
    }

    /** The unauthenticated role's invoke policy document, decoded (IAM answers it URL-encoded). */
    suspend fun invokePolicyDocument(): String {
        val xml = iam("GetRolePolicy", mapOf("RoleName" to unauthRole, "PolicyName" to invokePolicy))
        val document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.byteInputStream())
        val encoded = document.getElementsByTagName("PolicyDocument").item(0)?.textContent
            ?: error("GetRolePolicy answered no PolicyDocument: $xml")
        return URLDecoder.decode(encoded, Charsets.UTF_8)
    }

    private fun env(name: String): String = System.getenv(name)?.takeIf { it.isNotBlank() }
        ?: throw IllegalStateException(
            "$name is not set: run these tests through scripts/test-client.sh, which starts the emulator, " +
                "deploys a stack with backend-ctl up, starts backend-ctl dev, and sets AWS_ENDPOINT_URL, " +
                "BACKEND_CTL_APP_CONFIG and BACKEND_CTL_DEV_URL",
        )
}

@Serializable
data class IssuedList(@SerialName("Credentials") val credentials: List<Issued>)

/** One credential the emulator's GetCredentialsForIdentity issued. */
@Serializable
data class Issued(
    @SerialName("AccessKeyId") val accessKeyId: String,
    @SerialName("IdentityId") val identityId: String,
    @SerialName("IdentityPoolId") val identityPoolId: String,
    @SerialName("Expiration") val expiration: Double,
    @SerialName("IssuedAt") val issuedAt: Double,
)

@Serializable
private data class Lifetime(@SerialName("CredentialsLifetimeSeconds") val seconds: Int)

/** An instant from the emulator's epoch seconds. */
fun epochSeconds(seconds: Double): Instant {
    val whole = kotlin.math.floor(seconds)
    return Instant.fromEpochSeconds(whole.toLong(), ((seconds - whole) * 1e9).toInt())
}

/** A clock the test moves by hand. */
class TestClock(@Volatile var now: Instant = Instant.now()) : Clock {
    override fun now(): Instant = now
}

/** The example handler's event and answer. */
const val ADA = """{"firstName": "Ada", "lastName": "Lovelace"}"""
val GREETING = Greeting("Hello, Ada Lovelace.")
