using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.LoadGen;

/// <summary>Alert latency figures, in milliseconds.</summary>
internal sealed record LatencyFigures(int Published, int Acknowledged, int Stored, double StoredP50, double StoredP99, double StoredMax, double AckP50, double AckP99)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Published} alerts published, {Acknowledged} acknowledged, {Stored} stored; publish → stored p50 {StoredP50:F0} ms, p99 {StoredP99:F0} ms, max {StoredMax:F0} ms; " +
        $"publish → PUBACK p50 {AckP50:F0} ms, p99 {AckP99:F0} ms");
}

/// <summary>
/// Alert latency while the devices are held: some held devices publish QoS 1 alerts at a steady rate, and a reader polls the
/// fleet's SQLite database (read-only, every <see cref="PollInterval"/>) for new rows of <c>alert_messages</c>. "Stored" is
/// the moment a reader of the database first sees the row (the commit, to within the poll interval and the reader's own
/// scheduling delay on a busy machine: an upper bound).
/// </summary>
internal sealed class AlertLatencyProbe(string databaseFile, IReadOnlyList<HeldDevice> devices, double alertsPerSecond)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _stored = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<TimeSpan> _acknowledged = [];

    /// <summary>Publishes alerts until <paramref name="until"/> (a <see cref="Stopwatch"/> timestamp), then waits up to <paramref name="timeout"/> for their rows.</summary>
    public async Task<LatencyFigures> RunAsync(long until, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poller = PollAsync(stop.Token);
        var publishes = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / alertsPerSecond);
        using (var timer = new PeriodicTimer(interval))
        {
            for (var i = 0; Stopwatch.GetTimestamp() < until && await timer.WaitForNextTickAsync(cancellationToken); i++)
            {
                // Spread over the fleet (every k-th device), never two alerts from one device at once.
                publishes.Add(PublishOneAsync(devices[(int)((long)i * 97 % devices.Count)], i, cancellationToken));
            }
        }

        await Task.WhenAll(publishes);
        var deadline = Stopwatch.StartNew();
        while (_stored.Count < _published.Count && deadline.Elapsed < timeout)
        {
            await Task.Delay(50, cancellationToken);
        }

        await stop.CancelAsync();
        await poller;
        var stored = _stored.Values.Select(t => t.TotalMilliseconds).Order().ToArray();
        var acknowledged = _acknowledged.Select(t => t.TotalMilliseconds).Order().ToArray();
        return new LatencyFigures(_published.Count, acknowledged.Length, stored.Length, Percentile(stored, 0.50), Percentile(stored, 0.99), stored.LastOrDefault(),
            Percentile(acknowledged, 0.50), Percentile(acknowledged, 0.99));
    }

    /// <summary>The value below which <paramref name="q"/> of the sorted <paramref name="sorted"/> lie (nearest rank); NaN when empty.</summary>
    public static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private async Task PublishOneAsync(HeldDevice device, int sequence, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var messageId = Guid.CreateVersion7().ToString();
        var alert = new AlertMessage(AlertMessage.SchemaId, AlertMessage.CurrentVersion, messageId, Guid.CreateVersion7().ToString(), 0,
            device.DeviceId, "cam-1", EventType.Intrusion, AlertState.Start, now, now, null, "quai-nord", 0.8,
            new Measurement("duration", 2, "s"), [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], sequence)], new ModelRef("nanodet-coco", "1"));
        var start = Stopwatch.GetTimestamp();
        _published[messageId] = start;
        try
        {
            await device.PublishAlertAsync(alert, cancellationToken);
            _acknowledged.Add(Stopwatch.GetElapsedTime(start));
        }
        catch (Exception ex) when (ex is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Counted: published but not acknowledged (the report shows the difference).
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var last = 0L;
        SqliteConnection? connection = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (connection is null && File.Exists(databaseFile))
                {
                    connection = new SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly;Pooling=False");
                    await connection.OpenAsync(cancellationToken);
                }

                if (connection is not null)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT rowid AS seen_row, message_id FROM alert_messages WHERE rowid > $last ORDER BY rowid;";
                    command.Parameters.AddWithValue("$last", last);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    var seen = Stopwatch.GetTimestamp();
                    var columns = reader.Columns();
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        last = columns.Int64("seen_row");
                        var messageId = columns.String("message_id");
                        if (_published.TryGetValue(messageId, out var start))
                        {
                            _stored.TryAdd(messageId, Stopwatch.GetElapsedTime(start, seen));
                        }
                    }
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
