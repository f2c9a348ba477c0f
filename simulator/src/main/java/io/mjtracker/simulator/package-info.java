/**
 * A local server of the Midjourney-proxy fetch API ({@code GET /mj/task/{id}/fetch}) and its batch query
 * ({@code POST /mj/task/list-by-condition}) for tests, the one-command local run and benchmarks: tasks with
 * scripted lifecycles in each provider's dialect, faults on demand (latency, 5xx, 429 with a token bucket,
 * outages, malformed and hostile answers, a wrong key), gateway behaviours (no batch route, a silent cap
 * on batch answers, a sync tick), and a record of what it served.
 */
package io.mjtracker.simulator;
