package dev.backendctl.client

/**
 * What went wrong with a call to the backend that the app may want to handle on its own.
 *
 * Everything else is thrown as it comes: Lambda's other errors (`LambdaException`), Cognito's
 * (`CognitoIdentityException`, from getting credentials), the network's (`IOException`s and the
 * SDK's `ClientException`s), and `SerializationException` when [Backend.call]'s answer does not
 * fit its type.
 */
sealed class BackendException(message: String, cause: Throwable? = null) : Exception(message, cause) {

    /**
     * The function ran and failed (Lambda answered `X-Amz-Function-Error`): the handler returned an
     * error, or crashed, or timed out.
     *
     * @property errorType Lambda's `errorType` (the handler's own, e.g. `BadRequest`, or Lambda's,
     * e.g. `Runtime.ExitError`); the `X-Amz-Function-Error` value if the payload has none
     * @property errorMessage Lambda's `errorMessage`; the whole payload if it has none
     * @property payload the error payload as Lambda sent it
     */
    class FunctionError(
        val errorType: String,
        val errorMessage: String,
        val payload: String,
    ) : BackendException("the function failed: $errorType: $errorMessage")

    /**
     * Lambda refused the call (`TooManyRequestsException`). For [Backend.invoke], the backend is
     * paused (reserved concurrency 0) or overloaded (at its concurrency cap). For
     * [Backend.invokeAsync], only that Lambda refused to queue the event (too many Invoke
     * requests): a paused backend still accepts Event calls, and keeps them among its failed
     * events, untried. The call was not retried (a refused call did not run), so sending it again
     * later is safe.
     *
     * @property reason Lambda's reason, e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`
     */
    class Throttled(
        val reason: String?,
        cause: Throwable,
    ) : BackendException("backend paused or overloaded: Lambda throttled the call" + (reason?.let { " ($it)" } ?: ""), cause)

    /**
     * Lambda refused the app's identity (`AccessDeniedException`): the stack's invoke policy does
     * not allow this function (or alias), or a change to it has not propagated yet. `backend-ctl up`
     * puts the policy right.
     */
    class NotAuthorized(
        cause: Throwable,
    ) : BackendException(
        "the app's identity may not invoke the function: the stack's invoke policy is wrong or not " +
            "propagated yet (run backend-ctl up)",
        cause,
    )
}
