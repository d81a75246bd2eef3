using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>
/// Publishes desired configurations, retained with QoS 1, on <c>vsa/v1/{deviceId}/config/desired</c>, from its own MQTT
/// client (client id <c>{ClientId}-config</c>), each signed with the desired-state key (<see cref="DesiredStateSigningKey"/>)
/// into a <see cref="SignedMessage"/> whose payload is the stored JSON byte for byte (the device refuses anything else).
/// The database is the truth: after every (re)connection it republishes every device's current payload, signed again, so neither a fleet restart, a broker restart without persistence nor a change
/// accepted while the broker was away leaves a device without its configuration. Between connections, <see cref="Notify"/>
/// queues the devices whose configuration changed. Reconnects with jittered back-off on the injected clock.
/// </summary>
public sealed partial class ConfigPublisher(ConfigStore store, IOptions<BrokerOptions> brokerOptions, FleetCertificateAuthority authority, DesiredStateSigningKey signing, TimeProvider timeProvider, ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConfigPublisher>();
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TaskCompletionSource _publishedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _connectionLost;

    /// <summary>The desired configuration of <paramref name="deviceId"/> changed (committed): publish its current version.</summary>
    public void Notify(string deviceId) => _changed.Writer.TryWrite(deviceId);

    /// <summary>The newest version of a device this process handed to the broker (acknowledged), or null.</summary>
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

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = brokerOptions.Value;
        var backoff = new ReconnectBackoff(settings.ReconnectMinDelay, settings.ReconnectMaxDelay);
        using var client = new MqttClientFactory().CreateMqttClient(new MqttNetLoggerAdapter(loggerFactory.CreateLogger("MQTTnet.Client"), LogLevel.Warning));
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
        var options = BuildClientOptions(settings, authority);
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
            LogInterrupted(_logger, settings.Endpoint, reason, delay);
            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
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

        var all = await store.ListDesiredAsync(lost.Token);
        foreach (var desired in all)
        {
            await PublishAsync(client, desired, lost.Token);
        }

        LogRepublished(_logger, all.Count);
        while (true)
        {
            var deviceId = await _changed.Reader.ReadAsync(lost.Token);
            if (await store.FindDesiredAsync(deviceId, lost.Token) is { } desired)
            {
                await PublishAsync(client, desired, lost.Token);
            }
        }
    }

    private async Task PublishAsync(IMqttClient client, DesiredConfigRecord desired, CancellationToken stoppingToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigDesired(desired.DeviceId))
            .WithPayload(Sign(signing, desired))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(brokerOptions.Value.KeepAlive * 2);
        var result = await client.PublishAsync(message, attempt.Token);

        // 0x10 "no matching subscribers" is a success: the broker keeps the retained copy for the device.
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new BrokerRefusedException($"publish on {message.Topic} refused: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }

        _published.AddOrUpdate(desired.DeviceId, desired.Version, (_, old) => Math.Max(old, desired.Version));
        LogPublished(_logger, desired.DeviceId, desired.Version);
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = _publishedSignal;
            _publishedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    /// <summary>The envelope published for <paramref name="desired"/>: its stored payload's exact UTF-8 bytes, signed.</summary>
    public static byte[] Sign(DesiredStateSigningKey signing, DesiredConfigRecord desired)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentNullException.ThrowIfNull(desired);
        return signing.Signer.SignToJson(DesiredConfigMessage.SchemaId, System.Text.Encoding.UTF8.GetBytes(desired.Payload));
    }

    private static MqttClientOptions BuildClientOptions(BrokerOptions settings, FleetCertificateAuthority authority) =>
        FleetClientOptions.Builder(settings, authority, settings.ClientId + FleetClientOptions.ConfigPublisherSuffix)
            .WithCleanStart(true)
            .Build();

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Desired configuration version {Version} of {DeviceId} published")]
    private static partial void LogPublished(ILogger logger, string deviceId, long version);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Republished the desired configuration of {Count} devices after connecting")]
    private static partial void LogRepublished(ILogger logger, int count);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Cannot publish desired configurations to {Endpoint}: {Reason}; next attempt in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string endpoint, string reason, TimeSpan delay);
}
