using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>
/// Fans the live events this instance committed out to every other instance of the fleet, through PostgreSQL
/// <c>LISTEN/NOTIFY</c>: with a shared subscription each alert is stored by one instance only, and a decision is recorded by
/// the instance the operator uses, yet every operator must see both live. It reads this instance's own events as one more
/// subscriber of the <see cref="LiveBroadcaster"/> (which is fed only after commit), sends each with <c>pg_notify</c>
/// (payload <c>origin \n type \n json</c>; all those queued in one round trip), and publishes what the peers send to the
/// local browsers only. An alert too large for a notification (8,000 bytes) travels as its id and is read back from the
/// database by the receivers. The broker connection events (<see cref="LiveEventTypes.Ingestion"/>) are each instance's own
/// and are not sent.
/// </summary>
public sealed partial class PostgresLiveFanOut(
    LiveBroadcaster broadcaster,
    AlertStore alerts,
    IOptions<LiveOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<PostgresLiveFanOut> logger) : BackgroundService
{
    /// <summary>The largest payload PostgreSQL accepts in a notification, less one byte.</summary>
    public const int MaxPayloadBytes = 7999;

    // Notifications sent in one round trip at most (a burst larger than this takes several).
    private const int MaxNotificationsPerRoundTrip = 256;

    private const string AlertReference = "alert-ref";
    private readonly string _origin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private long _sent;
    private long _received;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the fan-out runs with these settings.</summary>
    public bool Enabled => options.Value.FanOut switch
    {
        LiveFanOut.PostgresNotify => true,
        LiveFanOut.Auto => storage.Value.Provider == StorageProvider.Postgres,
        _ => false,
    };

    /// <summary>Events sent to the peers since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Events received from the peers since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Completes once this instance listens (the events peers send from then on reach its browsers).</summary>
    public Task Listening => _listening.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        if (storage.Value.Provider != StorageProvider.Postgres || storage.Value.Postgres is null)
        {
            throw new InvalidOperationException($"{LiveOptions.SectionName}:FanOut=PostgresNotify needs {StorageOptions.SectionName}:Provider=Postgres.");
        }

        var builder = new NpgsqlConnectionStringBuilder(storage.Value.Postgres) { KeepAlive = 30 };
        await using var source = NpgsqlDataSource.Create(builder);
        using var subscription = broadcaster.Subscribe(forPeers: true);
        await Task.WhenAll(
            Task.Run(() => ListenLoopAsync(source, stoppingToken), stoppingToken),
            Task.Run(() => SendLoopAsync(source, subscription, stoppingToken), stoppingToken));
    }

    private async Task SendLoopAsync(NpgsqlDataSource source, LiveBroadcaster.Subscription subscription, CancellationToken ct)
    {
        var channel = options.Value.FanOutChannel;
        var reader = subscription.Reader;

        // Read but not yet sent: kept across a failure, so they are sent once the database answers again, in order.
        var unsent = new List<string>();
        while (!ct.IsCancellationRequested && (unsent.Count > 0 || await WaitAsync(reader, ct)))
        {
            while (unsent.Count < MaxNotificationsPerRoundTrip && reader.TryRead(out var next))
            {
                if (next.Type != LiveEventTypes.Ingestion && Payload(next) is { } payload)
                {
                    unsent.Add(payload);
                }
            }

            if (unsent.Count == 0)
            {
                continue;
            }

            try
            {
                // Everything queued goes in one round trip (one implicit transaction, delivered together at its commit): a
                // batch of alerts committed together reaches the peers together, instead of one round trip each in turn.
                await using var connection = await source.OpenConnectionAsync(ct);
                await using var batch = new NpgsqlBatch(connection);
                foreach (var payload in unsent)
                {
                    var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, $2);");
                    notify.Parameters.Add(new NpgsqlParameter { Value = channel });
                    notify.Parameters.Add(new NpgsqlParameter { Value = payload });
                    batch.BatchCommands.Add(notify);
                }

                await batch.ExecuteNonQueryAsync(ct);
                Interlocked.Add(ref _sent, unsent.Count);
                unsent.Clear();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                LogSendFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    private static async Task<bool> WaitAsync(System.Threading.Channels.ChannelReader<LiveEvent> reader, CancellationToken ct)
    {
        try
        {
            return await reader.WaitToReadAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string? Payload(LiveEvent liveEvent)
    {
        var payload = string.Concat(_origin, "\n", liveEvent.Type, "\n", liveEvent.Json);
        if (Encoding.UTF8.GetByteCount(payload) <= MaxPayloadBytes)
        {
            return payload;
        }

        if (liveEvent.Type == LiveEventTypes.Alert && JsonSerializer.Deserialize(liveEvent.Json, FleetJsonContext.Default.AlertView) is { } view)
        {
            return string.Concat(_origin, "\n", AlertReference, "\n", view.AlertId);
        }

        LogTooLarge(logger, liveEvent.Type, Encoding.UTF8.GetByteCount(payload));
        return null;
    }

    private async Task ListenLoopAsync(NpgsqlDataSource source, CancellationToken ct)
    {
        var channel = options.Value.FanOutChannel;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await source.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                _listening.TrySetResult();
                LogListening(logger, channel, _origin);
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                // Events committed by peers while this instance was not listening are in the database, not on screen: a
                // browser's reconnection reloads the queue (the page reads /api/alerts when its stream reopens).
                if (_listening.Task.IsCompleted)
                {
                    _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                LogListenFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    private void OnNotification(string payload)
    {
        var first = payload.IndexOf('\n', StringComparison.Ordinal);
        var second = first < 0 ? -1 : payload.IndexOf('\n', first + 1);
        if (second < 0 || payload.AsSpan(0, first).SequenceEqual(_origin))
        {
            return;
        }

        var type = payload[(first + 1)..second];
        var body = payload[(second + 1)..];
        Interlocked.Increment(ref _received);
        if (type == AlertReference)
        {
            _ = ReadBackAsync(body);
            return;
        }

        broadcaster.PublishFromPeer(new LiveEvent(type, body));
    }

    private async Task ReadBackAsync(string alertId)
    {
        try
        {
            if (await alerts.FindAsync(alertId, CancellationToken.None) is { } view)
            {
                broadcaster.PublishFromPeer(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView)));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogListenFailed(logger, string.Create(CultureInfo.InvariantCulture, $"reading alert {alertId} back: {ex.Message}"));
        }
    }

    [LoggerMessage(EventId = 11701, Level = LogLevel.Information, Message = "Live fan-out: listening on PostgreSQL channel {Channel} as instance {Origin}")]
    private static partial void LogListening(ILogger logger, string channel, string origin);

    [LoggerMessage(EventId = 11702, Level = LogLevel.Warning, Message = "Live fan-out: sending to the other instances failed, retrying: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 11703, Level = LogLevel.Warning, Message = "Live fan-out: listening failed, reconnecting: {Error}")]
    private static partial void LogListenFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 11704, Level = LogLevel.Warning, Message = "Live fan-out: a {Type} event of {Bytes} bytes is too large for a notification; the other instances will not show it live")]
    private static partial void LogTooLarge(ILogger logger, string type, int bytes);
}
