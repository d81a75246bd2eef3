using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Vsa.Edge.Testing;

namespace Vsa.Edge.LoadGen;

/// <summary>What the held-devices scenario simulates; every count and duration is bounded by <see cref="HeldDevicesCommand"/>.</summary>
/// <param name="Devices">Devices connected and held.</param>
/// <param name="Hold">How long they are held once all connected.</param>
/// <param name="HeartbeatMin">Shortest heartbeat period (each device draws its own between min and max).</param>
/// <param name="HeartbeatMax">Longest heartbeat period.</param>
/// <param name="ConnectRate">New connections per second during the ramp.</param>
/// <param name="AlertsPerSecond">Alerts published by held devices during the hold, for the latency figures.</param>
/// <param name="Drop">Devices that lose their connection abruptly at the end (their last will must mark them offline).</param>
/// <param name="Timeout">Longest wait for the fleet to store what was sent, and for the last wills.</param>
internal sealed record HeldOptions(int Devices, TimeSpan Hold, TimeSpan HeartbeatMin, TimeSpan HeartbeatMax, int ConnectRate, double AlertsPerSecond, int Drop, TimeSpan Timeout);

/// <summary>
/// Many devices held on one broker (Mosquitto with the fleet in External mode, or the fleet's embedded broker) with
/// heartbeats, statuses and last wills, alert latency measured meanwhile; all on loopback. See README.md.
/// </summary>
internal static class HeldDevicesScenario
{
    /// <summary>Prefix of the simulated devices' ids.</summary>
    public const string DevicePrefix = "held-";

    private const int ConnectsInFlight = 100;

    public static async Task<HeldResult> RunAsync(HeldOptions options, string broker, TextWriter log)
    {
        var throughMosquitto = broker == "mosquitto";
        var directory = Directory.CreateTempSubdirectory("vsa-loadgen-held-").FullName;
        // docs/protocol.md: no QoS 1 message dropped for a fleet that falls behind; no connection limit.
        using var mosquitto = throughMosquitto ? new MosquittoFixture(MosquittoFixture.DefaultExecutable, TimeSpan.FromSeconds(15), Scenarios.MosquittoLimits + "max_connections -1\n") : null;
        var devices = new List<HeldDevice>(options.Devices);
        try
        {
            var port = mosquitto?.Port ?? MosquittoFixture.FreeLoopbackPort();
            string[] brokerArgs = mosquitto is null
                ? ["--Fleet:Broker:Port", port.ToString(CultureInfo.InvariantCulture),
                   "--Fleet:Broker:TlsPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
                   // A bench: the simulated devices publish over plain MQTT as the device their client id names, without enrolment.
                   "--Fleet:Broker:RequireClientCertificates", "false", "--Fleet:Broker:BenchDevicesMayPublish", "true"]
                : ["--Fleet:Broker:Mode", "External", "--Fleet:Broker:Host", mosquitto.Host,
                   "--Fleet:Broker:Port", port.ToString(CultureInfo.InvariantCulture), "--Fleet:Broker:ClientId", "loadgen-fleet"];
            await using var fleet = await FleetProcess.StartAsync(["--Fleet:Storage:DataDirectory", directory, .. brokerArgs], TimeSpan.FromSeconds(90));
            var database = Path.Combine(directory, "vsa-fleet.db");
            var readings = new FleetReadings(database, fleet.HttpPort);
            var mosquittoPid = throughMosquitto ? ProcessFigures.ChildNamed("mosquitto") : null;
            var figures = new RunFigures(fleet.ProcessId, mosquittoPid);
            var baseline = figures.Snapshot();
            log.WriteLine($"[{broker}] fleet ready (pid {fleet.ProcessId}); load average {ProcessFigures.LoadAverage()}; {baseline}");

            // The ramp: at most ConnectRate new connections a second, ConnectsInFlight at once.
            using var guard = new CancellationTokenSource(options.Hold + options.Timeout + options.Timeout + TimeSpan.FromSeconds(options.Devices / (double)options.ConnectRate));
            var clock = Stopwatch.StartNew();
            var connectTimes = new double[options.Devices];
            var retries = 0;
            string? refusal = null;
            using (var window = new SemaphoreSlim(ConnectsInFlight))
            {
                var connects = new List<Task>(options.Devices);
                for (var i = 0; i < options.Devices; i++)
                {
                    var due = TimeSpan.FromSeconds(i / (double)options.ConnectRate) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, guard.Token);
                    }

                    await window.WaitAsync(guard.Token);
                    var device = new HeldDevice($"{DevicePrefix}{i:D5}");
                    devices.Add(device);
                    var index = i;
                    connects.Add(Task.Run(async () =>
                    {
                        try
                        {
                            for (var attempt = 1; ; attempt++)
                            {
                                try
                                {
                                    connectTimes[index] = (await device.ConnectAsync(port, TimeSpan.FromSeconds(60), guard.Token)).TotalMilliseconds;
                                    return;
                                }
                                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
                                {
                                    if (attempt == 3)
                                    {
                                        // Reported as not connected (the run fails), with the first reason seen.
                                        Interlocked.CompareExchange(ref refusal, $"{device.DeviceId}: {ex.GetType().Name}: {ex.Message}", null);
                                        return;
                                    }

                                    Interlocked.Increment(ref retries);
                                }
                            }
                        }
                        finally
                        {
                            window.Release();
                        }
                    }, guard.Token));
                }

                await Task.WhenAll(connects);
            }

            var ramp = clock.Elapsed;
            var connected = devices.Count(d => d.IsHeld);
            Array.Sort(connectTimes);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{broker}] {connected}/{options.Devices} connected in {ramp.TotalSeconds:F1} s (connect + online status p50 {AlertLatencyProbe.Percentile(connectTimes, 0.5):F0} ms, p99 {AlertLatencyProbe.Percentile(connectTimes, 0.99):F0} ms, {retries} retries); {figures.Snapshot()}"));
            if (refusal is not null)
            {
                log.WriteLine($"[{broker}] not connected: {refusal}");
            }

            // The hold: heartbeats from every device, alerts from some, a progress line now and then.
            var holdClock = Stopwatch.StartNew();
            var until = Stopwatch.GetTimestamp() + (long)(options.Hold.TotalSeconds * Stopwatch.Frequency);
            var spread = options.HeartbeatMax - options.HeartbeatMin;
            var heartbeats = devices.Select(d => d.HeartbeatsAsync(options.HeartbeatMin + (spread * Random.Shared.NextDouble()), until, guard.Token)).ToList();
            var latency = new AlertLatencyProbe(database, devices, options.AlertsPerSecond).RunAsync(until, options.Timeout, guard.Token);
            var progress = ProgressAsync(log, broker, devices, readings, figures, holdClock, until, guard.Token);
            await Task.WhenAll(heartbeats);
            var held = devices.Count(d => d.IsHeld);
            var heldFor = holdClock.Elapsed;
            var atEnd = figures.Snapshot();
            var sent = devices.Sum(d => (long)d.HeartbeatsSent);
            var failed = devices.Sum(d => (long)d.HeartbeatsFailed);
            var lostBecause = devices.Select(d => d.LostBecause).FirstOrDefault(r => r is not null);
            await progress;

            // Every heartbeat accounted for: a row in device_health, or counted as coalesced by the fleet (bounded wait).
            var drain = Stopwatch.StartNew();
            long rows;
            IReadOnlyDictionary<string, long> counters;
            while (true)
            {
                rows = await readings.HeartbeatRowsAsync();
                counters = await readings.HeartbeatCountersAsync();
                if (rows + counters.GetValueOrDefault("coalesced") >= sent || drain.Elapsed > options.Timeout)
                {
                    break;
                }

                await Task.Delay(200, guard.Token);
            }

            var drained = drain.Elapsed;
            var alerts = await latency;
            var afterDrain = figures.Snapshot();
            var clockWindow = clock.Elapsed;
            var byDevice = await readings.HeartbeatRowsByDeviceAsync();
            var devicesShort = devices.Count(d => byDevice.GetValueOrDefault(d.DeviceId) < d.HeartbeatsSent);
            var online = (int)await readings.DevicesWithStatusAsync(DevicePrefix, "online");

            // Last wills: some devices lose their connection; the fleet must mark exactly those offline.
            var dropped = devices.Where((_, i) => i % Math.Max(1, options.Devices / Math.Max(1, options.Drop)) == 0).Take(options.Drop).ToList();
            var willClock = Stopwatch.StartNew();
            foreach (var device in dropped)
            {
                device.Drop();
            }

            var droppedIds = dropped.Select(d => d.DeviceId).ToList();
            int offline;
            while ((offline = await readings.CountWithStatusAsync(droppedIds, "offline")) < dropped.Count && willClock.Elapsed < options.Timeout)
            {
                await Task.Delay(50, guard.Token);
            }

            var willTime = willClock.Elapsed;
            var offlineInAll = options.Devices - (int)await readings.DevicesWithStatusAsync(DevicePrefix, "online");
            foreach (var batch in devices.Except(dropped).Chunk(500))
            {
                await Task.WhenAll(batch.Select(d => d.DisconnectAsync()));
            }

            return new HeldResult(broker, options, connected, ramp, retries, held, heldFor, lostBecause, sent, failed, rows, counters, drained, devicesShort,
                online, dropped.Count, offline, offlineInAll, willTime, alerts, baseline, atEnd, afterDrain, clockWindow, ProcessFigures.OpenFilesLimit(fleet.ProcessId), ProcessFigures.LoadAverage());
        }
        finally
        {
            foreach (var device in devices)
            {
                device.Dispose();
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task ProgressAsync(TextWriter log, string broker, List<HeldDevice> devices, FleetReadings readings, RunFigures figures, Stopwatch clock, long until, CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromSeconds(Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until).TotalSeconds / 6, 2, 30));
        using var timer = new PeriodicTimer(every);
        while (Stopwatch.GetTimestamp() + (long)(every.TotalSeconds * Stopwatch.Frequency) < until && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var sent = devices.Sum(d => (long)d.HeartbeatsSent);
            var rows = await readings.HeartbeatRowsAsync();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{broker}] {clock.Elapsed.TotalSeconds:F0} s: {devices.Count(d => d.IsHeld)} held; heartbeats {sent} acknowledged, {rows} in device_health; {figures.Snapshot()}; load {ProcessFigures.LoadAverage()}"));
        }
    }
}

/// <summary>Memory and CPU time of the processes of a run: the fleet, this load generator, Mosquitto when it is the broker.</summary>
internal sealed record MemorySnapshot(Memory Fleet, Memory LoadGenerator, Memory? Mosquitto, int FleetFiles, int MosquittoFiles, double FleetCpu, double LoadGeneratorCpu, double MosquittoCpu)
{
    public override string ToString() =>
        $"fleet RSS {Fleet}, {FleetFiles} files open; load generator RSS {LoadGenerator}" + (Mosquitto is { } m ? $"; Mosquitto RSS {m}, {MosquittoFiles} files open" : string.Empty);
}

/// <summary>Reads <see cref="MemorySnapshot"/>s of one run's processes.</summary>
internal sealed class RunFigures(int fleetPid, int? mosquittoPid)
{
    public MemorySnapshot Snapshot() => new(
        ProcessFigures.MemoryOf(fleetPid),
        ProcessFigures.MemoryOf(Environment.ProcessId),
        mosquittoPid is { } m ? ProcessFigures.MemoryOf(m) : null,
        ProcessFigures.OpenFiles(fleetPid),
        mosquittoPid is { } p ? ProcessFigures.OpenFiles(p) : 0,
        ProcessFigures.CpuSeconds(fleetPid),
        ProcessFigures.CpuSeconds(Environment.ProcessId),
        mosquittoPid is { } c ? ProcessFigures.CpuSeconds(c) : 0);
}
