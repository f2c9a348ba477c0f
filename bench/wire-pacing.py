#!/usr/bin/env python3
"""Where a 429 comes from: the worker's requests as they left on the wire, beside their arrivals at the simulator.

Usage (as root, tcpdump installed; BENCHMARKS.md section 3 has the whole procedure):
  tcpdump -i lo -n -tt -l 'tcp and tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420' > bench-out/wire.txt &
  bench/run ratelimit            # prints the worker arm's simulator port, writes bench-out/ratelimit-arrivals.csv
  bench/wire-pacing.py bench-out/wire.txt PORT bench-out/ratelimit-arrivals.csv 50 2

The capture holds one line per packet that starts an HTTP GET (each poll is one GET); those sent to PORT are the
worker's. A token bucket like the simulator's (RATE per second, BURST deep, full at the start) is replayed on both
series: the refusals on the wire series are requests the worker sent too soon; refusals only on the arrival series
come from between the wire and the simulator's handler (its accept and dispatch threads), not from the worker.
"""
import csv
import sys


def refusals(times_ns, rate, burst):
    """Indexes of the requests a token bucket refuses, replayed on ascending times in nanoseconds."""
    tokens, refused = float(burst), []
    for i, t in enumerate(times_ns):
        if i:
            tokens = min(burst, tokens + (t - times_ns[i - 1]) * rate / 1e9)
        if tokens >= 1:
            tokens -= 1
        else:
            refused.append(i)
    return refused


def most_within(times_ns, window_ns):
    most, start = 0, 0
    for end, t in enumerate(times_ns):
        while t - times_ns[start] >= window_ns:
            start += 1
        most = max(most, end - start + 1)
    return most


def gaps_before(times_ns, i, count=3):
    return [round((times_ns[j] - times_ns[j - 1]) / 1e6, 1) for j in range(max(1, i - count + 1), i + 1)]


def describe(name, times_ns, rate, burst):
    refused = refusals(times_ns, rate, burst)
    windows = ", ".join(f"{ms} ms: {most_within(times_ns, ms * 1_000_000)}" for ms in (25, 50, 100, 1000))
    print(f"{name}: {len(times_ns)} requests; most within {windows}; a {rate:g}/s bucket of {burst} refuses {len(refused)}")
    for i in refused:
        print(f"  refused #{i} at {(times_ns[i] - times_ns[0]) / 1e9:.3f} s; the gaps before it (ms): {gaps_before(times_ns, i)}")
    return refused


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    capture, port, arrivals_csv, rate, burst = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    wire = []
    with open(capture) as lines:
        for line in lines:
            fields = line.split()
            # 1733377000.123456 IP 127.0.0.1.41234 > 127.0.0.1.PORT: Flags [P.], ...
            if len(fields) > 4 and fields[1] == "IP" and fields[4].rstrip(":").rsplit(".", 1)[-1] == port:
                seconds, micros = fields[0].split(".")
                wire.append(int(seconds) * 1_000_000_000 + int(micros) * 1_000)
    wire.sort()
    with open(arrivals_csv) as file:
        rows = list(csv.DictReader(file))
    arrivals = [int(row["nanos"]) for row in rows]
    answered_429 = [i for i, row in enumerate(rows) if row["status"] == "429"]
    if not wire:
        sys.exit(f"no GET to port {port} in {capture}")
    refused_on_wire = set(describe("on the wire (tcpdump)", wire, rate, burst))
    describe("at the simulator (arrivals)", arrivals, rate, burst)
    print(f"answered 429 by the simulator: {len(answered_429)}")
    if len(wire) == len(arrivals):
        # The k-th GET on the wire is the k-th arrival (one connection order is kept per connection; across
        # connections a swap of two near-simultaneous requests changes an offset by their gap only).
        offsets = sorted(a - (w - wire[0]) for w, a in zip(wire, arrivals))
        median = offsets[len(offsets) // 2]
        late = [(o - median) / 1e6 for o in offsets]
        print(f"wire to handler, relative to the median: p50 0.0 ms, p99 {late[int(len(late) * 0.99)]:.1f} ms, "
              f"max {late[-1]:.1f} ms")
        for i in answered_429:
            wire_refused = i in refused_on_wire
            print(f"  429 #{i}: its wire gaps (ms) {gaps_before(wire, i)}, its arrival gaps (ms) {gaps_before(arrivals, i)}; "
                  f"{'refused' if wire_refused else 'accepted'} by the bucket on the wire")
    else:
        print(f"{len(wire)} GETs on the wire, {len(arrivals)} arrivals recorded: not matched one to one")


if __name__ == "__main__":
    main()
