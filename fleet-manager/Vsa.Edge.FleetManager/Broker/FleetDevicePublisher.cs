using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts.Resilience;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// The publication loop of a fleet→device state kept per device in the database (desired configurations, suspension states):
/// on its own MQTT client (<c>{ClientId}{suffix}</c>, clean start), after every (re)connection it republishes every stored
/// record, retained with QoS 1 and signed, then publishes the devices queued by <see cref="Notify"/> until the connection drops,
/// and reconnects with jittered back-off on the injected clock. The database is the truth, so neither a fleet restart, a broker
/// restart without persistence nor a change accepted while the broker was away leaves a device without its state.
/// </summary>
/// <typeparam name="TRecord">One device's stored state.</typeparam>
public abstract class FleetDevicePublisher<TRecord> : BackgroundService
    where TRecord : class
{
    private readonly string _clientIdSuffix;
    private readonly IOptions<BrokerOptions> _brokerOptions;
    private readonly FleetCertificateAuthority _authority;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TaskCompletionSource _publishedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _connectionLost;

    /// <summary>A publisher on client id <c>{ClientId}{clientIdSuffix}</c>.</summary>
    protected FleetDevicePublisher(string clientIdSuffix, IOptions<BrokerOptions> brokerOptions, FleetCertificateAuthority authority, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _clientIdSuffix = clientIdSuffix;
        _brokerOptions = brokerOptions;
        _authority = authority;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The state of <paramref name="deviceId"/> changed (committed): publish its current version.</summary>
    public void Notify(string deviceId) => _changed.Writer.TryWrite(deviceId);

    /// <summary>The newest version of a device's state the broker acknowledged from this process, or null.</summary>
    public long? PublishedVersion(string deviceId) => _published.TryGetValue(deviceId, out var version) ? version : null;

    /// <summary>Waits until the broker acknowledged version <paramref name="version"/> (or a newer one) of <paramref name="deviceId"/>.</summary>
    public async Task WaitForPublishedAsync(string deviceId, long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                signal = _publishedSignal.Task;
            }

            if (PublishedVersion(deviceId) >= version)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The device a record belongs to.</summary>
    protected abstract string DeviceIdOf(TRecord record);

    /// <summary>The record's version (only ever grows per device).</summary>
    protected abstract long VersionOf(TRecord record);

    /// <summary>The retained topic of the record's device.</summary>
    protected abstract string TopicOf(TRecord record);

    /// <summary>The signed envelope published for the record.</summary>
    protected abstract byte[] Sign(TRecord record);

    /// <summary>Every device's current record.</summary>
    protected abstract Task<IReadOnlyList<TRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The current record of <paramref name="deviceId"/>, or null when it has none.</summary>
    protected abstract Task<TRecord?> FindAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Logs that the broker acknowledged <paramref name="record"/>.</summary>
    protected abstract void OnPublished(TRecord record);

    /// <summary>Logs that every stored record (<paramref name="count"/>) was republished after connecting.</summary>
    protected virtual void OnRepublished(int count)
    {
    }

    /// <summary>Logs why the connection to <paramref name="endpoint"/> ended and when the next attempt comes.</summary>
    protected abstract void OnInterrupted(string endpoint, string reason, TimeSpan delay);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = _brokerOptions.Value;
        var backoff = new ReconnectBackoff(settings.ReconnectMinDelay, settings.ReconnectMaxDelay);
        using var client = new MqttClientFactory().CreateMqttClient(new MqttNetLoggerAdapter(_loggerFactory.CreateLogger("MQTTnet.Client"), LogLevel.Warning));
        client.DisconnectedAsync += _ =>
        {
            // Wakes the wait for changes, so a broker that lost its retained copies gets them again on the next connection.
            try
            {
                Volatile.Read(ref _connectionLost)?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That connection's loop already ended.
            }

            return Task.CompletedTask;
        };
        var options = FleetClientOptions.Builder(settings, _authority, settings.ClientId + _clientIdSuffix).WithCleanStart(true).Build();
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                await RunConnectionAsync(client, options, backoff, stoppingToken);
                break;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or DbException or BrokerRefusedException)
            {
                reason = ex.Message;
            }

            await client.TryDisconnectAsync();
            var delay = backoff.Next();
            OnInterrupted(settings.Endpoint, reason, delay);
            try
            {
                await Task.Delay(delay, _timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (client.IsConnected)
        {
            await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "fleet manager stopping");
        }
    }

    private async Task RunConnectionAsync(IMqttClient client, MqttClientOptions options, ReconnectBackoff backoff, CancellationToken stoppingToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Volatile.Write(ref _connectionLost, lost);
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            attempt.CancelAfter(options.Timeout);
            var connected = await client.ConnectAsync(options, attempt.Token);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new BrokerRefusedException($"connection refused: {connected.ResultCode} {connected.ReasonString}".TrimEnd());
            }
        }

        backoff.Reset();

        // Drop what was queued before: the full republication below covers it.
        while (_changed.Reader.TryRead(out _))
        {
        }

        var all = await ListAsync(lost.Token);
        foreach (var record in all)
        {
            await PublishAsync(client, record, lost.Token);
        }

        OnRepublished(all.Count);
        while (true)
        {
            var deviceId = await _changed.Reader.ReadAsync(lost.Token);
            if (await FindAsync(deviceId, lost.Token) is { } record)
            {
                await PublishAsync(client, record, lost.Token);
            }
        }
    }

    private async Task PublishAsync(IMqttClient client, TRecord record, CancellationToken stoppingToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(TopicOf(record))
            .WithPayload(Sign(record))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(_brokerOptions.Value.KeepAlive * 2);
        var result = await client.PublishAsync(message, attempt.Token);

        // 0x10 "no matching subscribers" is a success: the broker keeps the retained copy for the device.
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new BrokerRefusedException($"publish on {message.Topic} refused: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }

        var version = VersionOf(record);
        _published.AddOrUpdate(DeviceIdOf(record), version, (_, old) => Math.Max(old, version));
        OnPublished(record);
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = _publishedSignal;
            _publishedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }
}
