package dev.backendctl.client

import kotlinx.serialization.Serializable

/** The example handler's event: `{"firstName": "Ada", "lastName": "Lovelace"}`. */
@Serializable
data class GreetRequest(val firstName: String, val lastName: String)

/** The example handler's answer: `{"greetings": "Hello, Ada Lovelace."}`. */
@Serializable
data class Greeting(val greetings: String)

/**
 * The typed call of the example handler: a pattern for the app's own calls, one suspend function
 * per thing the backend does, with `@Serializable` classes for what goes in and comes out.
 */
class Greeter(private val backend: Backend) {
    /**
     * The greeting for a name.
     *
     * @throws BackendException.FunctionError with `errorType` `BadRequest` when a name is empty
     */
    suspend fun greet(firstName: String, lastName: String): Greeting =
        backend.call(GreetRequest(firstName, lastName))
}
