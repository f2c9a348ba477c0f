/**
 * Real Kafka brokers for tests and for the one-command local run: an in-process KRaft broker from
 * Apache Kafka's own test kit, or a Testcontainers {@code KafkaContainer} where Docker is available.
 * The JUnit 5 {@link io.mjtracker.testkit.KafkaBrokerExtension} hands one broker to each test class.
 * {@link io.mjtracker.testkit.SecuredBroker} is a broker process secured as managed clusters are
 * (SASL_SSL, SCRAM, ACLs), with TLS material from {@link io.mjtracker.testkit.TestCertificates}.
 */
package io.mjtracker.testkit;
