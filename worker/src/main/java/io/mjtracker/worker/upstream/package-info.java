/**
 * The upstream API: the {@link io.mjtracker.worker.upstream.UpstreamClient} seam, its HTTP
 * implementation with a bounded body read, the classification of every answer into a {@link
 * io.mjtracker.worker.upstream.FetchResult} at this boundary, and the Resilience4j guard (rate limiter,
 * retry backoff, circuit breaker) that decides when a request may leave.
 */
package io.mjtracker.worker.upstream;
