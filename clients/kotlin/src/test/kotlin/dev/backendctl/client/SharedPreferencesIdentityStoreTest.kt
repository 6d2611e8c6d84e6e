package dev.backendctl.client

import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.IOException
import java.util.concurrent.Executors

/**
 * The Android store over a map-backed [FakeSharedPreferences]. Surefire runs this class on its own
 * (execution `android-api` in pom.xml), with Android's stub jar on the classpath; the other tests
 * run without it, since its `android.os.Build` would make the AWS SDK believe it runs on Android.
 */
class SharedPreferencesIdentityStoreTest {
    @Test
    fun `keeps one identity per pool`() = runTest {
        val preferences = FakeSharedPreferences()
        behavesAsAStore(SharedPreferencesIdentityStore(preferences))
        assertEquals(mapOf("cognito-identity-id:$OTHER_POOL" to "us-east-1:identity-b"), preferences.all)
    }

    @Test
    fun `survives a restart and leaves the app's other keys alone`() = runTest {
        val preferences = FakeSharedPreferences()
        preferences.edit().putString("theme", "dark").commit()
        SharedPreferencesIdentityStore(preferences).save(POOL, "us-east-1:identity-a")
        // the next launch: a new store over the same file
        val next = SharedPreferencesIdentityStore(preferences)
        assertEquals("us-east-1:identity-a", next.load(POOL))
        next.clear(POOL)
        assertEquals(mapOf("theme" to "dark"), preferences.all)
    }

    @Test
    fun `does its IO on its dispatcher`() = runTest {
        Executors.newSingleThreadExecutor { Thread(it, "prefs-io") }.asCoroutineDispatcher().use { io ->
            val preferences = FakeSharedPreferences()
            val store = SharedPreferencesIdentityStore(preferences, io)
            store.save(POOL, "us-east-1:identity-a")
            store.load(POOL)
            store.clear(POOL)
            assertEquals(listOf("prefs-io", "prefs-io", "prefs-io"), preferences.threads)
        }
    }

    @Test
    fun `a failed write is an IOException`() = runTest {
        val preferences = FakeSharedPreferences().apply { failCommits = true }
        val e = assertThrows<IOException> { SharedPreferencesIdentityStore(preferences).save(POOL, "us-east-1:identity-a") }
        assertTrue(POOL in e.message!!)
    }
}
