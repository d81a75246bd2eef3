using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Npgsql;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// What to simulate; every count and duration is bounded by <see cref="BurstCommand"/>. <c>WarmupAlertsPerDevice</c>:
/// alerts each device publishes first, all stored and delivered before the clock starts (not counted in the rates).
/// </summary>
internal sealed record LoadOptions(int Devices, int AlertsPerDevice, int InFlight, TimeSpan Timeout, int WarmupAlertsPerDevice = 0);

/// <summary>Result of one alert burst.</summary>
internal sealed record BurstResult(string Storage, int Sent, long Stored, long SubscriberReceived, TimeSpan Published, TimeSpan AllStored, TimeSpan SubscriberDone, double FleetMiB, string? SubscriberLost, long AlertRows = 0, string? LoadAverage = null, CpuTimes? Cpu = null)
{
    /// <summary>The fleet's sustained rate over what the broker delivered to a plain subscriber in the same run.</summary>
    public double Ratio => FleetRate / SubscriberRate;

    public double FleetRate => Stored / AllStored.TotalSeconds;

    public double SubscriberRate => SubscriberReceived / SubscriberDone.TotalSeconds;

    public double PublishRate => Sent / Published.TotalSeconds;
}

/// <summary>
/// Processor time used by the fleet, the broker (Mosquitto; none when embedded) and the load generator itself (the devices and
/// the plain subscriber, plus its polling of the database), from /proc: what each side costs per message on the same machine.
/// </summary>
internal sealed record CpuTimes(TimeSpan Fleet, TimeSpan? Broker, TimeSpan LoadGenerator, TimeSpan? Database = null)
{
    public static CpuTimes Of(int fleetProcess, int? brokerProcess, int? databaseProcess = null)
    {
        using var fleet = Process.GetProcessById(fleetProcess);
        using var broker = brokerProcess is { } id ? Process.GetProcessById(id) : null;
        using var self = Process.GetCurrentProcess();
        var database = databaseProcess is { } server ? TimeSpan.FromSeconds(ProcessFigures.TreeCpuSeconds(server)) : (TimeSpan?)null;
        return new(fleet.TotalProcessorTime, broker?.TotalProcessorTime, self.TotalProcessorTime, database);
    }

    public static CpuTimes operator -(CpuTimes after, CpuTimes before) =>
        new(after.Fleet - before.Fleet, after.Broker - before.Broker, after.LoadGenerator - before.LoadGenerator, after.Database - before.Database);

    /// <summary>Milliseconds of processor time per 1,000 messages, each side.</summary>
    public string PerThousand(long messages) => string.Create(CultureInfo.InvariantCulture,
        $"fleet {Fleet.TotalMilliseconds * 1000 / messages:F0} ms, broker {(Broker is { } b ? (b.TotalMilliseconds * 1000 / messages).ToString("F0", CultureInfo.InvariantCulture) + " ms" : "in the fleet")}, " +
        $"load generator (devices + plain subscriber) {LoadGenerator.TotalMilliseconds * 1000 / messages:F0} ms" +
        $"{(Database is { } d ? ", PostgreSQL " + (d.TotalMilliseconds * 1000 / messages).ToString("F0", CultureInfo.InvariantCulture) + " ms" : "")}");
}

/// <summary>The alert burst through Mosquitto (or the embedded broker) into the fleet; the held devices are in <see cref="HeldDevicesScenario"/>.</summary>
internal static class Scenarios
{
    /// <summary>
    /// Mosquitto limits for a fleet manager that must lose nothing: its defaults (20 messages in flight, 1000 queued per
    /// client) drop QoS 1 messages for a subscriber that falls behind during a burst.
    /// </summary>
    public const string MosquittoLimits = "max_inflight_messages 1000\nmax_queued_messages 1000000\n";

    /// <summary>
    /// The burst through Mosquitto (External mode), or with <paramref name="embedded"/> through the fleet's own broker, whose
    /// plain port the devices and the plain subscriber use, and which acknowledges each alert only once stored.
    /// </summary>
    public static async Task<BurstResult> AlertBurstAsync(string storage, LoadOptions options, bool mosquittoDefaults, bool embedded, TextWriter log)
    {
        using var mosquitto = embedded ? null : new MosquittoFixture(MosquittoFixture.DefaultExecutable, TimeSpan.FromSeconds(15), mosquittoDefaults ? null : MosquittoLimits);
        var port = mosquitto?.Port ?? MosquittoFixture.FreeLoopbackPort();
        string[] brokerArgs = mosquitto is null
            ? ["--Fleet:Broker:Port", port.ToString(CultureInfo.InvariantCulture), "--Fleet:Broker:RequireClientCertificates", "false",
               "--Fleet:Broker:TlsPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)]
            : ["--Fleet:Broker:Mode", "External", "--Fleet:Broker:Host", mosquitto.Host,
               "--Fleet:Broker:Port", port.ToString(CultureInfo.InvariantCulture), "--Fleet:Broker:ClientId", "loadgen-fleet"];
        storage = embedded ? storage + "/embedded" : storage;
        var directory = Directory.CreateTempSubdirectory("vsa-loadgen-").FullName;
        using var postgres = storage.StartsWith("postgres", StringComparison.Ordinal) ? PostgresServer.Start(durable: true) : null;
        try
        {
            var connection = postgres?.CreateDatabase("vsa_fleet");
            // The data folder also holds the fleet CA, whatever the database: never the current directory.
            string[] storageArgs = connection is null
                ? ["--Fleet:Storage:DataDirectory", directory]
                : ["--Fleet:Storage:Provider", "Postgres", "--Fleet:Storage:Postgres", connection, "--Fleet:Storage:DataDirectory", directory];
            await using var fleet = await FleetProcess.StartAsync(
                [.. storageArgs, .. brokerArgs],
                TimeSpan.FromSeconds(60));
            var total = options.Devices * options.AlertsPerDevice;
            log.WriteLine($"[{storage}] fleet ready; {options.Devices} devices x {options.AlertsPerDevice} alerts, {options.InFlight} in flight each");

            var clock = new Stopwatch();
            var received = 0L;
            var warmupTotal = options.Devices * options.WarmupAlertsPerDevice;
            var subscriberDone = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscriber = await ConnectAsync(port, "plain-subscriber", cleanStart: true);
            string? subscriberLost = null;
            subscriber.DisconnectedAsync += e =>
            {
                subscriberLost ??= $"{e.Reason} {e.ReasonString} {e.Exception?.Message}".Trim();
                subscriberDone.TrySetResult(clock.Elapsed);
                return Task.CompletedTask;
            };
            var measuring = 0;
            subscriber.ApplicationMessageReceivedAsync += _ =>
            {
                if (Interlocked.Increment(ref received) == warmupTotal + total && Volatile.Read(ref measuring) == 1)
                {
                    subscriberDone.TrySetResult(clock.Elapsed);
                }

                return Task.CompletedTask;
            };
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllAlerts, MqttQualityOfServiceLevel.AtLeastOnce).Build());

            var devices = await Task.WhenAll(Enumerable.Range(0, options.Devices).Select(i => ConnectAsync(port, $"pole-{i:D4}", cleanStart: true)));
            var db = Path.Combine(directory, "vsa-fleet.db");
            var warmup = options.Devices * options.WarmupAlertsPerDevice;
            if (warmup > 0)
            {
                // A fleet runs for days: its code is compiled and its heap sized long before a burst. The warm-up alerts are
                // all stored and all delivered to the plain subscriber before the clock starts, and neither rate counts them.
                await Task.WhenAll(devices.Select((device, i) => PublishAlertsAsync(device, $"pole-{i:D4}", options.WarmupAlertsPerDevice, options.InFlight)));
                await WaitForRowsAsync(() => CountAsync(connection, db, "alert_messages"), warmup, options.Timeout);
                await WaitForRowsAsync(() => Task.FromResult(Interlocked.Read(ref received)), warmup, options.Timeout);
                log.WriteLine($"[{storage}] warm-up: {warmup} alerts stored and delivered before the clock starts");
            }

            Interlocked.Exchange(ref measuring, 1);
            var cpuBefore = CpuTimes.Of(fleet.ProcessId, mosquitto?.ProcessId, postgres?.ProcessId);
            clock.Start();
            var lastMessages = await Task.WhenAll(devices.Select((device, i) => PublishAlertsAsync(device, $"pole-{i:D4}", options.AlertsPerDevice, options.InFlight)));
            var published = clock.Elapsed;

            // Progress from each device's last message (a few index lookups), then the exact count of every message.
            await WaitForLastMessagesAsync(connection, db, lastMessages, options.Timeout);
            var allStored = clock.Elapsed;
            var stored = await CountAsync(connection, db, "alert_messages") - warmup;
            if (stored < total)
            {
                // The counter ran ahead of the database: the time is the database's.
                stored = await WaitForRowsAsync(() => CountAsync(connection, db, "alert_messages"), warmup + total, options.Timeout) - warmup;
                allStored = clock.Elapsed;
            }

            var cpu = CpuTimes.Of(fleet.ProcessId, mosquitto?.ProcessId, postgres?.ProcessId) - cpuBefore;
            var loadAverage = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
            var subscriberTime = await subscriberDone.Task.WaitAsync(options.Timeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : clock.Elapsed, TaskScheduler.Default);
            var memory = fleet.ResidentMiB();
            foreach (var device in devices)
            {
                await device.DisconnectAsync();
                device.Dispose();
            }

            log.WriteLine($"[{storage}] {await fleet.StopAndReportBatchesAsync()}");
            var alertRows = await CountAsync(connection, db, "alerts") - warmup;
            return new BurstResult(storage, total, stored, Interlocked.Read(ref received) - warmup, published, allStored, subscriberTime, memory, subscriberLost, alertRows, loadAverage, cpu);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Publishes <paramref name="alerts"/> alerts of <paramref name="deviceId"/>, and returns the last one's message id.</summary>
    private static async Task<string> PublishAlertsAsync(IMqttClient device, string deviceId, int alerts, int inFlight)
    {
        var last = "";
        using var window = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(alerts);
        var start = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < alerts; i++)
        {
            await window.WaitAsync();
            var alert = new AlertMessage(AlertMessage.SchemaId, AlertMessage.CurrentVersion, Guid.CreateVersion7().ToString(), Guid.CreateVersion7().ToString(), 0,
                deviceId, "cam-1", EventType.Intrusion, AlertState.Start, start.AddMilliseconds(i), start.AddMilliseconds(i), null, "quai-nord", 0.8,
                new Measurement("duration", 2, "s"), [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], i)], new ModelRef("nanodet-coco", "1"));
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Alerts(deviceId))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            pending.Add(PublishAsync(device, message, window));
            last = alert.MessageId;
        }

        await Task.WhenAll(pending);
        return last;
    }

    private static async Task PublishAsync(IMqttClient device, MqttApplicationMessage message, SemaphoreSlim window)
    {
        try
        {
            var result = await device.PublishAsync(message);
            if ((int)result.ReasonCode >= 0x80)
            {
                throw new InvalidOperationException($"publish refused: {result.ReasonCode}");
            }
        }
        finally
        {
            window.Release();
        }
    }

    private static async Task<IMqttClient> ConnectAsync(int port, string clientId, bool cleanStart)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId($"{clientId}-{Guid.NewGuid():N}")
            .WithCleanStart(cleanStart)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();

        // As the fleet's ingestion client does (MqttIngestionService.SocketBufferBytes): with MQTTnet's default 8 KiB socket
        // buffers the plain subscriber's TCP window fell to a few kilobytes without scaling, and once Mosquitto had a backlog
        // for it, it received one segment per delayed acknowledgement: the "stall" of 100 to 180 s for 10,000 alerts.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1 << 20;
        await client.ConnectAsync(options);
        return client;
    }

    /// <summary>
    /// Waits until the last message of every device is stored, looked up by its id every 5 ms (one index lookup per device).
    /// The fleet stores a device's messages in the order they came, so this is when the burst is stored; the exact count of
    /// every message then confirms it. Counting every row for progress cost more than the fleet's own work in the last
    /// second of a burst: on PostgreSQL a <c>COUNT(*)</c> of 40,000 messages is a 35 MB scan that PostgreSQL runs in two
    /// extra worker processes, 40 to 110 ms each time; reading the fleet's Prometheus counter every 5 ms cost the fleet half
    /// again its processor time.
    /// </summary>
    private static async Task WaitForLastMessagesAsync(string? postgres, string sqliteFile, string[] messageIds, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (await CountStoredAsync(postgres, sqliteFile, messageIds) < messageIds.Length && deadline.Elapsed < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }

    private static async Task<long> CountStoredAsync(string? postgres, string sqliteFile, string[] messageIds)
    {
        if (postgres is not null)
        {
            await using var pg = new NpgsqlConnection(postgres);
            await pg.OpenAsync();
            await using var pgCommand = new NpgsqlCommand("SELECT COUNT(*) FROM alert_messages WHERE message_id = ANY(@ids);", pg);
            pgCommand.Parameters.AddWithValue("ids", messageIds);
            return (long)(await pgCommand.ExecuteScalarAsync())!;
        }

        if (!File.Exists(sqliteFile))
        {
            return 0;
        }

        await using var sqlite = new SqliteConnection($"Data Source={sqliteFile};Mode=ReadOnly");
        await sqlite.OpenAsync();
        await using var command = sqlite.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alert_messages WHERE message_id IN (SELECT value FROM json_each($ids));";
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(messageIds));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> WaitForRowsAsync(Func<Task<long>> count, long expected, TimeSpan timeout)
    {
        // Bounded polling of the real row count: the figure is what the database holds, not what the fleet says it did. Each
        // count is a query the database answers on this same machine (on PostgreSQL a full scan in its own backend), so it
        // competes with the fleet it measures: the next poll comes after half the time the rate so far says is left (at least
        // 5 ms, at most 250 ms), a few dozen counts per burst instead of one every 20 ms, and the last one still within
        // 5 ms of the end.
        var deadline = Stopwatch.StartNew();
        var first = -1L;
        long rows;
        while ((rows = await count()) < expected && deadline.Elapsed < timeout)
        {
            first = first < 0 ? rows : first;
            await Task.Delay(NextPoll(rows - first, expected - rows, deadline.Elapsed));
        }

        return rows;
    }

    /// <summary>Half the time left at the rate seen so far, between 5 and 250 ms (20 ms before any progress).</summary>
    private static TimeSpan NextPoll(long done, long left, TimeSpan elapsed)
    {
        if (done <= 0 || elapsed <= TimeSpan.Zero)
        {
            return TimeSpan.FromMilliseconds(20);
        }

        var leftSeconds = left / (done / elapsed.TotalSeconds);
        return TimeSpan.FromSeconds(Math.Clamp(leftSeconds / 2, 0.005, 0.25));
    }

    private static async Task<long> CountAsync(string? postgres, string sqliteFile, string table)
    {
        if (postgres is not null)
        {
            await using var pg = new NpgsqlConnection(postgres);
            await pg.OpenAsync();
            // One process: a parallel scan forks two workers for every count.
            await using var pgCommand = new NpgsqlCommand($"SET max_parallel_workers_per_gather = 0; SELECT COUNT(*) FROM {table};", pg);
            return (long)(await pgCommand.ExecuteScalarAsync())!;
        }

        if (!File.Exists(sqliteFile))
        {
            return 0;
        }

        await using var sqlite = new SqliteConnection($"Data Source={sqliteFile};Mode=ReadOnly");
        await sqlite.OpenAsync();
        await using var command = sqlite.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table};";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
