package dev.backendctl.client

import android.content.SharedPreferences
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.IOException

/**
 * The Android [IdentityStore]: the identity id in the app's private [SharedPreferences], so that
 * it survives restarts and updates (not a reinstall, nor "Clear storage").
 *
 * ```kotlin
 * val store = SharedPreferencesIdentityStore(
 *     context.getSharedPreferences("backend-ctl", Context.MODE_PRIVATE)
 * )
 * ```
 *
 * Android's Auto Backup restores shared preferences on a new device, and with them the identity:
 * exclude `sharedpref/backend-ctl.xml` in the app's backup rules if each device must have its own.
 *
 * Reads and writes (a synchronous `commit()`) run on [dispatcher], [Dispatchers.IO] by default.
 */
class SharedPreferencesIdentityStore(
    private val preferences: SharedPreferences,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) : IdentityStore {

    override suspend fun load(identityPoolId: String): String? = withContext(dispatcher) {
        preferences.getString(key(identityPoolId), null)
    }

    /** @throws IOException when the preferences file cannot be written */
    override suspend fun save(identityPoolId: String, identityId: String): Unit = withContext(dispatcher) {
        write(identityPoolId) { putString(key(identityPoolId), identityId) }
    }

    /** @throws IOException when the preferences file cannot be written */
    override suspend fun clear(identityPoolId: String): Unit = withContext(dispatcher) {
        write(identityPoolId) { remove(key(identityPoolId)) }
    }

    private fun write(identityPoolId: String, change: SharedPreferences.Editor.() -> Unit) {
        val editor = preferences.edit()
        editor.change()
        if (!editor.commit()) {
            throw IOException("could not write the Cognito identity of pool $identityPoolId to shared preferences")
        }
    }

    private fun key(identityPoolId: String) = "cognito-identity-id:$identityPoolId"
}
