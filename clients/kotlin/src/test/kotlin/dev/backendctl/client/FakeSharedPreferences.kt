package dev.backendctl.client

import android.content.SharedPreferences

/**
 * A map-backed [SharedPreferences] for the JVM (Android's are interfaces): edits are staged in
 * an editor until commit, as Android's are. [failCommits] makes commit() answer false (a full disk).
 */
class FakeSharedPreferences : SharedPreferences {
    private val values = mutableMapOf<String, Any?>()

    /** The threads that read or committed, in order. */
    val threads: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf())

    @Volatile
    var failCommits = false

    override fun getAll(): Map<String, *> = synchronized(values) { values.toMap() }

    override fun getString(key: String, defValue: String?): String? {
        threads += Thread.currentThread().name
        return synchronized(values) { values[key] as String? } ?: defValue
    }

    @Suppress("UNCHECKED_CAST")
    override fun getStringSet(key: String, defValues: Set<String>?): Set<String>? =
        synchronized(values) { values[key] as Set<String>? } ?: defValues

    override fun getInt(key: String, defValue: Int): Int = synchronized(values) { values[key] as Int? } ?: defValue
    override fun getLong(key: String, defValue: Long): Long = synchronized(values) { values[key] as Long? } ?: defValue
    override fun getFloat(key: String, defValue: Float): Float = synchronized(values) { values[key] as Float? } ?: defValue
    override fun getBoolean(key: String, defValue: Boolean): Boolean = synchronized(values) { values[key] as Boolean? } ?: defValue
    override fun contains(key: String): Boolean = synchronized(values) { key in values }
    override fun edit(): SharedPreferences.Editor = Editor()
    override fun registerOnSharedPreferenceChangeListener(listener: SharedPreferences.OnSharedPreferenceChangeListener) = Unit
    override fun unregisterOnSharedPreferenceChangeListener(listener: SharedPreferences.OnSharedPreferenceChangeListener) = Unit

    private inner class Editor : SharedPreferences.Editor {
        private val changes = mutableMapOf<String, Any?>()
        private val removals = mutableSetOf<String>()
        private var clear = false

        override fun putString(key: String, value: String?) = put(key, value)
        override fun putStringSet(key: String, values: Set<String>?) = put(key, values)
        override fun putInt(key: String, value: Int) = put(key, value)
        override fun putLong(key: String, value: Long) = put(key, value)
        override fun putFloat(key: String, value: Float) = put(key, value)
        override fun putBoolean(key: String, value: Boolean) = put(key, value)
        override fun remove(key: String): SharedPreferences.Editor = apply { removals += key }
        override fun clear(): SharedPreferences.Editor = apply { clear = true }

        override fun commit(): Boolean {
            threads += Thread.currentThread().name
            if (failCommits) return false
            synchronized(values) {
                if (clear) values.clear()
                removals.forEach { values.remove(it) }
                values.putAll(changes)
            }
            return true
        }

        override fun apply() {
            commit()
        }

        private fun put(key: String, value: Any?): SharedPreferences.Editor = apply { changes[key] = value }
    }
}
