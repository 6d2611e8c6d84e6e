package dev.backendctl.client

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.UUID

/** The id that [Backend.invokeAsync] puts in each event ([withEventId]). */
class EventIdTest {
    private fun fields(event: String): JsonObject = BackendJson.parseToJsonElement(event).jsonObject

    @Test
    fun `an event without an id gets a new random UUID`() {
        val (event, id) = withEventId(ADA, null)
        val uuid = UUID.fromString(id)
        assertEquals(id, uuid.toString(), "in UUID's own form")
        assertEquals(4, uuid.version(), "a random UUID")
        assertEquals(JsonPrimitive(id), fields(event)[Backend.EVENT_ID_FIELD])
        assertNotEquals(id, withEventId(ADA, null).second, "a new one each time")
    }

    @Test
    fun `the id given is the one sent`() {
        val (event, id) = withEventId(ADA, "order-42")
        assertEquals("order-42", id)
        assertEquals(JsonPrimitive("order-42"), fields(event)["eventId"])
    }

    @Test
    fun `the payload's own id is kept, and may be given again`() {
        val payload = """{"eventId": "7f1c", "firstName": "Ada"}"""
        assertEquals("""{"eventId":"7f1c","firstName":"Ada"}""" to "7f1c", withEventId(payload, null))
        assertEquals("""{"eventId":"7f1c","firstName":"Ada"}""" to "7f1c", withEventId(payload, "7f1c"))
    }

    @Test
    fun `a null eventId in the payload counts as none`() {
        val (event, id) = withEventId("""{"eventId": null, "firstName": "Ada"}""", "order-42")
        assertEquals("order-42", id)
        assertEquals("""{"eventId":"order-42","firstName":"Ada"}""", event)
    }

    @Test
    fun `an id given that differs from the payload's own is refused, naming both`() {
        val e = assertThrows<IllegalArgumentException> { withEventId("""{"eventId": "7f1c"}""", "order-42") }
        assertTrue("order-42" in e.message!! && "7f1c" in e.message!!, e.message)
    }

    @Test
    fun `a payload that is not a JSON object is refused`() {
        for (payload in listOf("[1, 2]", "\"Ada\"", "42", "null", "{\"firstName\": ", "")) {
            val e = assertThrows<IllegalArgumentException>(payload) { withEventId(payload, "order-42") }
            assertTrue("must be a JSON object" in e.message!!, e.message)
        }
    }

    @Test
    fun `an eventId in the payload that is not a string is refused`() {
        for (bad in listOf("42", "true", "{}", "[\"7f1c\"]")) {
            val e = assertThrows<IllegalArgumentException>(bad) { withEventId("""{"eventId": $bad}""", null) }
            assertTrue("\"eventId\" must be a string" in e.message!!, e.message)
        }
    }

    @Test
    fun `the other fields are sent as they are, in their order, the id last`() {
        val payload = """{"z": 1, "a": {"nested": [1.50, -0, 12345678901234567890, 0.10000000000000000001, 1e400]}, "s": "é\"\n", "n": null}"""
        val (event, id) = withEventId(payload, "order-42")
        assertEquals("order-42", id)
        assertEquals(
            """{"z":1,"a":{"nested":[1.50,-0,12345678901234567890,0.10000000000000000001,1e400]},"s":"é\"\n","n":null,"eventId":"order-42"}""",
            event,
        )
        val kept = """{"z": 1, "eventId": "7f1c", "a": 2}"""
        assertEquals("""{"z":1,"eventId":"7f1c","a":2}""", withEventId(kept, null).first, "the payload's own id stays where it was")
    }
}
