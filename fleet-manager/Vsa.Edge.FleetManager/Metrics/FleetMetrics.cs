using System.Diagnostics.Metrics;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Metrics;

/// <summary>
/// The fleet's own figures on the <see cref="IngestionStatistics.MeterName"/> meter, beside <c>vsa.fleet.messages</c>
/// (ingest rate, rejects by reason) and <c>vsa.fleet.db.transaction.duration</c> (<see cref="Storage.FleetDatabase"/>): the
/// ingestion's backlog and batches, the live streams, operator decision latency, and the figures the
/// <see cref="FleetMetricsSampler"/> reads from the database (devices online, alerts pending decision, certificates).
/// Names and units are listed in docs/operations.md; the Grafana dashboard (docs/grafana/vsa-fleet.json) uses them.
/// </summary>
public sealed class FleetMetrics
{
    /// <summary>Bucket boundaries in seconds for the latency histograms (10 ms to 2 h: a decision can take an hour).</summary>
    public static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

    private readonly Histogram<double> _decision;
    private readonly TimeProvider _time;
    private FleetSample _sample = FleetSample.Empty;

    /// <summary>Creates the instruments; the observable ones read <paramref name="writer"/>, <paramref name="live"/> and the last sample.</summary>
    public FleetMetrics(IMeterFactory meterFactory, IngestionWriter writer, LiveBroadcaster live, PostgresLiveFanOut fanOut, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
        var meter = meterFactory.Create(IngestionStatistics.MeterName);
        meter.CreateObservableGauge("vsa.fleet.ingestion.queued", () => writer.Queued, "{message}", "Messages received from the broker and waiting to be stored (the ingestion's lag).");
        meter.CreateObservableCounter("vsa.fleet.ingestion.batches", () => writer.Batches, "{transaction}", "Transactions committed by the ingestion writer; messages / batches is the mean batch size.");
        meter.CreateObservableGauge("vsa.fleet.ingestion.writers", () => writer.Writers, "{writer}", "Transactions the ingestion writer runs at once (Fleet:Ingestion:Writers, resolved for the storage engine).");
        meter.CreateObservableCounter("vsa.fleet.ingestion.retries", () => writer.Retries, "{transaction}", "Ingestion transactions stored again after PostgreSQL rolled them back (deadlock or serialization failure between writers).");
        meter.CreateObservableGauge("vsa.fleet.live.subscribers", () => live.SubscriberCount, "{subscriber}", "Live streams open on this instance (browsers, and the fan-out to the other instances).");
        meter.CreateObservableCounter("vsa.fleet.live.dropped", () => live.Dropped, "{event}", "Live events dropped for slow browsers.");
        meter.CreateObservableCounter("vsa.fleet.live.fanout.sent", () => fanOut.Sent, "{event}", "Live events sent to the other instances.");
        meter.CreateObservableCounter("vsa.fleet.live.fanout.received", () => fanOut.Received, "{event}", "Live events received from the other instances.");
        meter.CreateObservableGauge("vsa.fleet.devices.online", () => Volatile.Read(ref _sample).DevicesOnline, "{device}", "Devices whose status is online (database, refreshed every Fleet:Metrics:SampleInterval).");
        meter.CreateObservableGauge("vsa.fleet.devices.known", () => Volatile.Read(ref _sample).DevicesKnown, "{device}", "Devices the fleet has heard from.");
        meter.CreateObservableGauge("vsa.fleet.alerts.pending", () => Volatile.Read(ref _sample).AlertsPending, "{alert}", "Alerts awaiting an operator's decision.");
        meter.CreateObservableGauge("vsa.fleet.certificates.expiring", () => Volatile.Read(ref _sample).CertificatesExpiring, "{certificate}", "Active device certificates within Fleet:Trust:ExpiryWarning of their end.");
        meter.CreateObservableGauge("vsa.fleet.certificates.renewal_missed", () => Volatile.Read(ref _sample).RenewalsMissed, "{certificate}", "Active device certificates past the point where their device should have renewed them.");
        meter.CreateObservableGauge("vsa.fleet.certificate.remaining", RemainingLifetimes, "s", "Seconds until the fleet CA and the fleet's service certificate expire.");
        _decision = meter.CreateHistogram(
            "vsa.fleet.decision.duration",
            "s",
            "From the first message of an alert to an operator's decision.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    /// <summary>The last sample taken from the database.</summary>
    public FleetSample Sample => Volatile.Read(ref _sample);

    /// <summary>An operator decided an alert first received at <paramref name="receivedAt"/>.</summary>
    public void Decided(DateTimeOffset receivedAt) =>
        _decision.Record(Math.Max(0, (_time.GetUtcNow() - receivedAt).TotalSeconds));

    /// <summary>Replaces the figures read from the database.</summary>
    public void Update(FleetSample sample) => Volatile.Write(ref _sample, sample);

    private IEnumerable<Measurement<double>> RemainingLifetimes()
    {
        var sample = Volatile.Read(ref _sample);
        var now = _time.GetUtcNow();
        if (sample.CaNotAfter is { } ca)
        {
            yield return new Measurement<double>((ca - now).TotalSeconds, new KeyValuePair<string, object?>("certificate", "ca"));
        }

        if (sample.ServiceNotAfter is { } service)
        {
            yield return new Measurement<double>((service - now).TotalSeconds, new KeyValuePair<string, object?>("certificate", "service"));
        }
    }
}

/// <summary>Figures read from the database by <see cref="FleetMetricsSampler"/>.</summary>
/// <param name="DevicesOnline">Devices online.</param>
/// <param name="DevicesKnown">Devices known.</param>
/// <param name="AlertsPending">Alerts without a decision.</param>
/// <param name="CertificatesExpiring">Active device certificates expiring within the warning window.</param>
/// <param name="RenewalsMissed">Active device certificates their device should already have renewed.</param>
/// <param name="CaNotAfter">The fleet CA's expiry.</param>
/// <param name="ServiceNotAfter">The fleet's service certificate's expiry.</param>
public sealed record FleetSample(long DevicesOnline, long DevicesKnown, long AlertsPending, long CertificatesExpiring, long RenewalsMissed, DateTimeOffset? CaNotAfter, DateTimeOffset? ServiceNotAfter)
{
    /// <summary>Before the first sample.</summary>
    public static readonly FleetSample Empty = new(0, 0, 0, 0, 0, null, null);
}
