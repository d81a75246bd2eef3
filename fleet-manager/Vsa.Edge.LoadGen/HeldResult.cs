using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>What one held-devices run measured; <see cref="Problems"/> lists what makes it a failure.</summary>
internal sealed record HeldResult(
    string Broker,
    HeldOptions Options,
    int Connected,
    TimeSpan Ramp,
    int Retries,
    int Held,
    TimeSpan HeldFor,
    string? LostBecause,
    long HeartbeatsSent,
    long HeartbeatsFailed,
    long HeartbeatRows,
    IReadOnlyDictionary<string, long> HeartbeatCounters,
    TimeSpan Drained,
    int DevicesShort,
    int Online,
    int Dropped,
    int DroppedOffline,
    int OfflineInAll,
    TimeSpan WillTime,
    LatencyFigures Alerts,
    MemorySnapshot Baseline,
    MemorySnapshot AtEnd,
    MemorySnapshot AllStored,
    TimeSpan Elapsed,
    (long Soft, long Hard) FleetOpenFilesLimit,
    string LoadAverage)
{
    public long Coalesced => HeartbeatCounters.GetValueOrDefault("coalesced");

    /// <summary>Acknowledged heartbeats neither in the history nor counted as coalesced by the fleet.</summary>
    public long Lost => Math.Max(0, HeartbeatsSent - HeartbeatRows - Coalesced);

    /// <summary>Resident memory the held devices added to <paramref name="of"/>, per 1,000 devices, in MiB.</summary>
    public double PerThousand(Func<MemorySnapshot, Memory?> of) =>
        of(AtEnd) is { } end && of(Baseline) is { } start ? (end.ResidentMiB - start.ResidentMiB) * 1000 / Options.Devices : double.NaN;

    /// <summary>Why the run failed; empty when every device connected and held, and nothing was lost.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        var n = Options.Devices;
        Check(Connected == n, $"{n - Connected} devices did not connect");
        Check(Held == n, $"{n - Held} devices lost their connection during the hold ({LostBecause})");
        Check(HeartbeatsFailed == 0, $"{HeartbeatsFailed} heartbeats were not acknowledged by the broker");
        Check(HeartbeatsSent > 0, "no heartbeat was sent");
        Check(Lost == 0, $"{Lost} acknowledged heartbeats are neither stored nor counted as coalesced");
        Check(Online == n, $"{Online} of {n} devices online in the fleet before the drop");
        Check(DroppedOffline == Dropped, $"{Dropped - DroppedOffline} of {Dropped} dropped devices not marked offline (last will)");
        Check(OfflineInAll == Dropped, $"{OfflineInAll} devices offline in the fleet, {Dropped} were dropped");
        Check(Alerts.Published > 0 && Alerts.Acknowledged == Alerts.Published, $"{Alerts.Published - Alerts.Acknowledged} of {Alerts.Published} alerts not acknowledged");
        Check(Alerts.Stored == Alerts.Published, $"{Alerts.Published - Alerts.Stored} of {Alerts.Published} alerts not stored");
        return problems;
    }

    public void Print(TextWriter output)
    {
        var b = $"[{Broker}]";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} {Connected}/{Options.Devices} devices connected in {Ramp.TotalSeconds:F1} s ({Retries} retries); {Held} still connected after {HeldFor.TotalSeconds:F0} s held"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} heartbeats: {HeartbeatsSent} acknowledged by the broker ({HeartbeatsFailed} not); {HeartbeatRows} rows in device_health + {Coalesced} coalesced = " +
            $"{HeartbeatRows + Coalesced} accounted for, {Lost} lost; the last stored {Drained.TotalSeconds:F1} s after the hold; fleet counters " +
            $"{string.Join(", ", HeartbeatCounters.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))}; {DevicesShort} devices with fewer rows than heartbeats"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} statuses: {Online}/{Options.Devices} online in the fleet; last wills: {DroppedOffline}/{Dropped} dropped devices offline {WillTime.TotalMilliseconds:F0} ms after the drop, {OfflineInAll} offline in all"));
        output.WriteLine($"{b} alerts at {Options.Devices} devices held: {Alerts}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} memory before the devices: {Baseline}; with {Options.Devices} held: {AtEnd}; per 1,000 devices: fleet +{PerThousand(s => s.Fleet):F1} MiB, " +
            $"load generator +{PerThousand(s => s.LoadGenerator):F1} MiB{(AtEnd.Mosquitto is null ? string.Empty : $", Mosquitto +{PerThousand(s => s.Mosquitto):F1} MiB")}"));
        // CPU time from before the first connection until everything was stored: load-independent enough to size by.
        var fleetCpu = AllStored.FleetCpu - Baseline.FleetCpu;
        var messages = Options.Devices + HeartbeatRows + Coalesced + Alerts.Stored;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} CPU from the first connection until all was stored ({Elapsed.TotalSeconds:F0} s): fleet {fleetCpu:F1} s " +
            $"({fleetCpu * 1000 / messages:F2} ms per message stored: {messages / fleetCpu:F0} statuses, heartbeats and alerts per fleet CPU-second), " +
            $"load generator {AllStored.LoadGeneratorCpu - Baseline.LoadGeneratorCpu:F1} s, Mosquitto {AllStored.MosquittoCpu - Baseline.MosquittoCpu:F1} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{b} fleet open-files limit {FleetOpenFilesLimit.Soft}/{FleetOpenFilesLimit.Hard} (soft/hard); load average at the end {LoadAverage}; {Environment.ProcessorCount} CPUs"));

        // One machine-readable line, for the test that runs the small version.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT broker={Broker} devices={Options.Devices} connected={Connected} held={Held} heartbeats_sent={HeartbeatsSent} heartbeats_failed={HeartbeatsFailed} " +
            $"heartbeat_rows={HeartbeatRows} coalesced={Coalesced} lost={Lost} online={Online} dropped={Dropped} dropped_offline={DroppedOffline} offline={OfflineInAll} " +
            $"alerts_published={Alerts.Published} alerts_stored={Alerts.Stored} alert_p50_ms={Alerts.StoredP50:F0} alert_p99_ms={Alerts.StoredP99:F0} " +
            $"fleet_rss_mib={AtEnd.Fleet.ResidentMiB:F0} fleet_peak_mib={AtEnd.Fleet.PeakMiB:F0} loadgen_rss_mib={AtEnd.LoadGenerator.ResidentMiB:F0} fleet_cpu_s={fleetCpu:F1}"));
    }
}
