using System.Diagnostics.Metrics;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Renewal;

namespace Vsa.Edge.Agent.Metrics;

/// <summary>
/// The agent's health figures as <see cref="System.Diagnostics.Metrics"/> instruments (meter <see cref="MeterName"/>), read
/// from the parts that count them at collection time: nothing is counted twice and nothing on the hot path changes. Names
/// (Prometheus form in brackets) are listed in docs/operations.md. Every part is optional: a figure whose part is absent is
/// not reported.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    /// <summary>Name of the agent's meter.</summary>
    public const string MeterName = "Vsa.Edge.Agent";

    private readonly Meter _meter;

    public AgentMetrics(
        IMeterFactory meters,
        TimeProvider time,
        IAlertOutbox? outbox = null,
        MqttPublisher? publisher = null,
        PipelineStatsRegistry? cameras = null,
        CertificateRenewer? renewer = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(time);
        _meter = meters.Create(MeterName);
        var started = time.GetTimestamp();
        _meter.CreateObservableGauge("vsa.agent.uptime", () => time.GetElapsedTime(started).TotalSeconds, "s", "Time since the agent started");
        _meter.CreateObservableGauge("vsa.agent.process.memory", () => Environment.WorkingSet, "By", "Resident memory of the agent process");
        if (outbox is not null)
        {
            _meter.CreateObservableCounter("vsa.agent.outbox.stored", () => outbox.Counts.Stored, "{alert}", "Alert messages stored in the outbox");
            _meter.CreateObservableCounter("vsa.agent.outbox.delivered", () => outbox.Counts.Delivered, "{alert}", "Alert messages the broker acknowledged");
            _meter.CreateObservableCounter("vsa.agent.outbox.dropped", () => Dropped(outbox.Counts), "{alert}", "Alert messages lost, by reason (full, expired, rejected, store_failure)");
            _meter.CreateObservableGauge("vsa.agent.outbox.depth", () => outbox.Counts.Depth, "{alert}", "Alert messages waiting for the broker");
            _meter.CreateObservableGauge("vsa.agent.outbox.size", () => outbox.Counts.Bytes, "By", "Size of the waiting alert messages");
        }

        if (publisher is not null)
        {
            _meter.CreateObservableGauge("vsa.agent.mqtt.connected", () => publisher.IsConnected ? 1 : 0, null, "1 while connected to the broker");
            _meter.CreateObservableCounter("vsa.agent.mqtt.connections", () => (long)publisher.Connections, "{connection}", "Successful broker connections");
            _meter.CreateObservableCounter("vsa.agent.alerts.published", () => publisher.AlertsPublished, "{alert}", "Alert messages acknowledged through this run's publisher");
            _meter.CreateObservableGauge("vsa.agent.certificate.expiry", () => CertificateExpiry(publisher, time), "s", "Time left before the device certificate expires");
        }

        if (cameras is not null)
        {
            _meter.CreateObservableCounter("vsa.agent.camera.frames", () => PerCamera(cameras, s => s.FramesProcessed), "{frame}", "Frames analysed, by camera");
            _meter.CreateObservableCounter("vsa.agent.camera.frames.dropped", () => PerCamera(cameras, s => s.FramesDropped), "{frame}", "Frames dropped (latest-frame policy), by camera");
            _meter.CreateObservableCounter("vsa.agent.camera.inferences", () => PerCamera(cameras, s => s.InferenceRuns), "{run}", "Model runs, by camera");
        }

        if (renewer is not null)
        {
            _meter.CreateObservableCounter("vsa.agent.certificate.renewals", () => renewer.Renewals, "{renewal}", "Certificate renewals completed");
            _meter.CreateObservableCounter("vsa.agent.certificate.renewal_failures", () => renewer.Failures, "{attempt}", "Certificate renewal attempts that failed");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<long>> Dropped(OutboxCounts counts) =>
    [
        new(counts.DroppedFull, new KeyValuePair<string, object?>("reason", "full")),
        new(counts.DroppedExpired, new KeyValuePair<string, object?>("reason", "expired")),
        new(counts.Rejected, new KeyValuePair<string, object?>("reason", "rejected")),
        new(counts.StoreFailures, new KeyValuePair<string, object?>("reason", "store_failure")),
    ];

    private static IEnumerable<Measurement<long>> PerCamera(PipelineStatsRegistry cameras, Func<Pipeline.PipelineStats, long> figure) =>
        cameras.All.Select(s => new Measurement<long>(figure(s), new KeyValuePair<string, object?>("camera", s.CameraId)));

    private static IEnumerable<Measurement<double>> CertificateExpiry(MqttPublisher publisher, TimeProvider time)
    {
        try
        {
            return publisher.Credentials is { } credentials
                ? [new Measurement<double>((new DateTimeOffset(credentials.Certificate.NotAfter.ToUniversalTime()) - time.GetUtcNow()).TotalSeconds)]
                : [];
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Read while a renewal disposed the old certificate: the next collection reads the new one.
            return [];
        }
    }
}
