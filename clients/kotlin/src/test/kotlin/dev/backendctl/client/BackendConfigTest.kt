package dev.backendctl.client

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class BackendConfigTest {
    private val section = """
        "BackendCtl": {"Region": "us-east-1", "IdentityPoolId": "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000001",
                       "FunctionName": "greeter-dev", "Project": "greeter", "Stage": "dev"}
    """.trimIndent()

    /** The file as `backend-ctl up` writes it: the legacy sections beside ours. */
    private val written = """
        {
          "Version": "1.0",
          "CredentialsProvider": {"CognitoIdentity": {"Default": {"PoolId": "us-east-1:other", "Region": "eu-west-1"}}},
          "LambdaInvoker": {"Default": {"Region": "eu-west-1", "FunctionName": "legacy"}},
          $section
        }
    """.trimIndent()

    @Test
    fun `reads the BackendCtl section and ignores the legacy ones`() {
        assertEquals(
            BackendConfig(
                region = "us-east-1",
                identityPoolId = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000001",
                functionName = "greeter-dev",
                project = "greeter",
                stage = "dev",
                qualifier = null,
            ),
            BackendConfig.parse(written),
        )
    }

    @Test
    fun `reads the qualifier when there is one`() {
        val config = BackendConfig.parse(written.replace("\"Stage\": \"dev\"", "\"Stage\": \"dev\", \"Qualifier\": \"live\""))
        assertEquals("live", config.qualifier)
    }

    @Test
    fun `without the section it says to run backend-ctl up`() {
        val legacyOnly = """{"LambdaInvoker": {"Default": {"Region": "us-east-1", "FunctionName": "greeter-dev"}}}"""
        val e = assertThrows<BackendConfigException> { BackendConfig.parse(legacyOnly) }
        assertTrue("\"BackendCtl\"" in e.message!!, e.message)
        assertTrue("run backend-ctl up" in e.message!!, e.message)
    }

    @Test
    fun `a missing key is named`() {
        val fields = mapOf(
            "Region" to "us-east-1", "IdentityPoolId" to "us-east-1:x", "FunctionName" to "greeter-dev",
            "Project" to "greeter", "Stage" to "dev",
        )
        for (key in fields.keys) {
            val without = (fields - key).entries.joinToString(", ") { (k, v) -> "\"$k\": \"$v\"" }
            val e = assertThrows<BackendConfigException>(key) { BackendConfig.parse("{\"BackendCtl\": {$without}}") }
            assertEquals("awsconfiguration.json: \"BackendCtl\".\"$key\" is missing: run backend-ctl up", e.message)
        }
    }

    @Test
    fun `a key that is not a non-empty string is refused`() {
        for (bad in listOf("42", "null", "\"\"", "{}")) {
            val text = written.replace("\"FunctionName\": \"greeter-dev\"", "\"FunctionName\": $bad")
            val e = assertThrows<BackendConfigException>(bad) { BackendConfig.parse(text) }
            assertTrue("\"BackendCtl\".\"FunctionName\" must be a non-empty string" in e.message!!, e.message)
        }
        val e = assertThrows<BackendConfigException> { BackendConfig.parse(written.replace("\"Stage\": \"dev\"", "\"Stage\": \"dev\", \"Qualifier\": 1")) }
        assertTrue("\"Qualifier\"" in e.message!!, e.message)
    }

    @Test
    fun `text that is not JSON, or not an object, is refused`() {
        assertTrue("not valid JSON" in assertThrows<BackendConfigException> { BackendConfig.parse("{\"BackendCtl\": ") }.message!!)
        assertThrows<BackendConfigException> { BackendConfig.parse("[]") }
        assertThrows<BackendConfigException> { BackendConfig.parse("""{"BackendCtl": "greeter-dev"}""") }
    }

    @Test
    fun `the qualifier is optional`() {
        assertNull(BackendConfig.parse("{$section}").qualifier)
    }

    @Test
    fun `reads the function's timeout, and refuses one that is not 1 to 900 seconds`() {
        fun with(value: String) = """{"BackendCtl": {"Region": "us-east-1", "IdentityPoolId": "us-east-1:x",
            "FunctionName": "f", "Project": "p", "Stage": "dev", "TimeoutSeconds": $value}}"""
        assertEquals(10, BackendConfig.parse(with("10")).timeoutSeconds)
        assertNull(BackendConfig.parse(written).timeoutSeconds, "a file from before it was written")
        for (bad in listOf("0", "901", "\"10\"", "2.5")) {
            val e = assertThrows<BackendConfigException> { BackendConfig.parse(with(bad)) }
            assertTrue("\"TimeoutSeconds\" must be a number of seconds from 1 to 900" in e.message.orEmpty(), e.message)
        }
    }
}
