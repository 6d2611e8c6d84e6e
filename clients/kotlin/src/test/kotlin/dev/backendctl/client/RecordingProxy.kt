package dev.backendctl.client

import java.io.ByteArrayOutputStream
import java.io.Closeable
import java.io.InputStream
import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import kotlin.concurrent.thread

/**
 * A loopback TCP proxy in front of [target] that keeps a copy of every byte the client sent:
 * what the server received, exactly (signatures stay valid, since nothing is rewritten).
 * [requests] reads the HTTP/1.1 requests back out of those bytes.
 */
class RecordingProxy(target: String) : Closeable {
    private val targetUri = URI(target)
    private val server = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val sent = mutableListOf<ByteArrayOutputStream>()
    private val sockets = mutableListOf<Socket>()

    /** How long the first answer on each connection is held back (a slow function, a slow network). */
    @Volatile
    var answerDelayMillis: Long = 0

    /** Where the client should connect instead of [target]. */
    val url: String = "http://127.0.0.1:${server.localPort}"

    init {
        thread(isDaemon = true, name = "recording-proxy") {
            while (!server.isClosed) {
                val client = runCatching { server.accept() }.getOrNull() ?: break
                val upstream = Socket(targetUri.host, targetUri.port)
                val record = ByteArrayOutputStream()
                synchronized(this) {
                    sent += record
                    sockets += client
                    sockets += upstream
                }
                thread(isDaemon = true) { pipe(client.getInputStream(), upstream.getOutputStream(), record) }
                thread(isDaemon = true) { pipe(upstream.getInputStream(), client.getOutputStream(), null, answerDelayMillis) }
            }
        }
    }

    /** Every request received so far, connection by connection. */
    fun requests(): List<RecordedRequest> = synchronized(this) { sent.map { synchronized(it) { it.toByteArray() } } }
        .flatMap { parse(it) }

    override fun close() {
        server.close()
        synchronized(this) { sockets.forEach { runCatching { it.close() } } }
    }

    private fun pipe(from: InputStream, to: OutputStream, record: ByteArrayOutputStream?, delayMillis: Long = 0) {
        val buffer = ByteArray(16 * 1024)
        var first = true
        try {
            while (true) {
                val n = from.read(buffer)
                if (n < 0) break
                if (first && delayMillis > 0) Thread.sleep(delayMillis)
                first = false
                if (record != null) synchronized(record) { record.write(buffer, 0, n) }
                to.write(buffer, 0, n)
                to.flush()
            }
        } catch (_: java.io.IOException) {
            // one side hung up
        } finally {
            runCatching { to.close() }
        }
    }

    private fun parse(bytes: ByteArray): List<RecordedRequest> {
        val requests = mutableListOf<RecordedRequest>()
        var at = 0
        while (at < bytes.size) {
            val end = indexOf(bytes, "\r\n\r\n".encodeToByteArray(), at)
            if (end < 0) break
            val lines = String(bytes, at, end - at, Charsets.ISO_8859_1).split("\r\n")
            val (method, path) = lines.first().split(" ").let { it[0] to it[1] }
            val headers = lines.drop(1).map { it.substringBefore(':').trim() to it.substringAfter(':').trim() }
            at = end + 4
            val length = headers.firstOrNull { it.first.equals("Content-Length", true) }?.second?.toInt()
            val chunked = headers.any { it.first.equals("Transfer-Encoding", true) && "chunked" in it.second.lowercase() }
            val body = ByteArrayOutputStream()
            if (length != null) {
                body.write(bytes, at, minOf(length, bytes.size - at))
                at += length
            } else if (chunked) {
                while (at < bytes.size) {
                    val lineEnd = indexOf(bytes, "\r\n".encodeToByteArray(), at)
                    val size = String(bytes, at, lineEnd - at, Charsets.ISO_8859_1).substringBefore(';').trim().toInt(16)
                    at = lineEnd + 2
                    if (size == 0) {
                        at = indexOf(bytes, "\r\n\r\n".encodeToByteArray(), at - 2) + 4
                        break
                    }
                    body.write(bytes, at, size)
                    at += size + 2
                }
            }
            requests += RecordedRequest(method, path, headers, body.toString(Charsets.UTF_8))
        }
        return requests
    }

    private fun indexOf(bytes: ByteArray, needle: ByteArray, from: Int): Int {
        outer@ for (i in from..bytes.size - needle.size) {
            for (j in needle.indices) if (bytes[i + j] != needle[j]) continue@outer
            return i
        }
        return -1
    }
}

/** One HTTP request as it went over the wire. */
data class RecordedRequest(val method: String, val path: String, val headers: List<Pair<String, String>>, val body: String) {
    /** The value of header [name] (case-insensitive), or null. */
    fun header(name: String): String? = headers.firstOrNull { it.first.equals(name, ignoreCase = true) }?.second
}
