package dev.backendctl.client

import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * Where the app's backend lives: the `"BackendCtl"` section of the `awsconfiguration.json`
 * that `backend-ctl up` writes (set its `[app] config_path` to the app's `res/raw/`).
 *
 * ```json
 * "BackendCtl": {"Region": "us-east-1", "IdentityPoolId": "us-east-1:…",
 *                "FunctionName": "greeter-dev", "Qualifier": "live", "TimeoutSeconds": 10,
 *                "Project": "greeter", "Stage": "dev"}
 * ```
 *
 * The same file keeps the legacy sections (`CredentialsProvider`, `LambdaInvoker`) for apps
 * still on the AWS SDK for Android; this client ignores them.
 *
 * On Android:
 * ```kotlin
 * val config = BackendConfig.parse(
 *     resources.openRawResource(R.raw.awsconfiguration).bufferedReader().use { it.readText() }
 * )
 * ```
 *
 * @property region the AWS region of the function and the identity pool
 * @property identityPoolId the Cognito identity pool that hands out the app's credentials
 * @property functionName the Lambda function the app invokes, `{project}-{stage}`
 * @property project the backend-ctl project
 * @property stage the stage (`dev`, `prod`, ...) this file was written for
 * @property qualifier the alias the app invokes (`live` unless `[function] alias` says
 * otherwise); each release moves it, and the stack allows the app this alias only.
 * `null` (a file from before releases) invokes `$LATEST`, which the stack no longer allows
 * @property timeoutSeconds the function's timeout (`[function] timeout_s`): how long an answer
 * may take, so how long [Backend] waits for one. `null` (a file from before it was written):
 * the longest a function may run, 900 s
 */
data class BackendConfig(
    val region: String,
    val identityPoolId: String,
    val functionName: String,
    val project: String,
    val stage: String,
    val qualifier: String? = null,
    val timeoutSeconds: Int? = null,
) {
    companion object {
        /** The section of `awsconfiguration.json` this client reads. */
        const val SECTION: String = "BackendCtl"

        /**
         * Reads the `"BackendCtl"` section of [json], the text of `awsconfiguration.json`.
         *
         * @throws BackendConfigException when the text is not JSON, or the section or one of its
         * required keys is missing or not a string
         */
        fun parse(json: String): BackendConfig {
            val document = try {
                Json.parseToJsonElement(json)
            } catch (e: SerializationException) {
                throw BackendConfigException("awsconfiguration.json is not valid JSON: run backend-ctl up to write it again", e)
            }
            val section = (document as? JsonObject)?.get(SECTION) as? JsonObject
                ?: throw BackendConfigException(
                    "awsconfiguration.json has no \"$SECTION\" section: run backend-ctl up (it writes this section)",
                )
            return BackendConfig(
                region = section.required("Region"),
                identityPoolId = section.required("IdentityPoolId"),
                functionName = section.required("FunctionName"),
                project = section.required("Project"),
                stage = section.required("Stage"),
                qualifier = section.optional("Qualifier"),
                timeoutSeconds = section.seconds("TimeoutSeconds"),
            )
        }

        private fun JsonObject.seconds(key: String): Int? {
            val value: JsonElement = get(key) ?: return null
            val seconds = (value as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toIntOrNull()
            if (seconds == null || seconds !in 1..900) {
                throw BackendConfigException(
                    "awsconfiguration.json: \"$SECTION\".\"$key\" must be a number of seconds from 1 to 900: run backend-ctl up",
                )
            }
            return seconds
        }

        private fun JsonObject.required(key: String): String =
            optional(key) ?: throw BackendConfigException(
                "awsconfiguration.json: \"$SECTION\".\"$key\" is missing: run backend-ctl up",
            )

        private fun JsonObject.optional(key: String): String? {
            val value: JsonElement = get(key) ?: return null
            val text = (value as? JsonPrimitive)?.takeIf { it.isString }?.content
            if (text.isNullOrEmpty()) {
                throw BackendConfigException(
                    "awsconfiguration.json: \"$SECTION\".\"$key\" must be a non-empty string: run backend-ctl up",
                )
            }
            return text
        }
    }
}

/** The app's `awsconfiguration.json` lacks what this client needs; the message says which key. */
class BackendConfigException(message: String, cause: Throwable? = null) : IllegalArgumentException(message, cause)
