using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>
/// Publishes each device's suspension state, retained with QoS 1, on <c>vsa/v1/{deviceId}/suspension</c>, from its own MQTT
/// client (client id <c>{ClientId}-suspension</c>, so a long configuration publication never delays a suspension), signed
/// with the desired-state key (<see cref="DesiredStateSigningKey"/>) over the stored payload byte for byte. As the
/// configuration publisher, it republishes every stored state after each (re)connection: the database is the truth.
/// </summary>
public sealed partial class SuspensionPublisher(SuspensionStates states, IOptions<BrokerOptions> brokerOptions, FleetCertificateAuthority authority, DesiredStateSigningKey signing, TimeProvider timeProvider, ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>Suffix of this publisher's client id.</summary>
    public const string ClientIdSuffix = "-suspension";

    private readonly ILogger _logger = loggerFactory.CreateLogger<SuspensionPublisher>();
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);
    private CancellationTokenSource? _connectionLost;

    /// <summary>The suspension states of <paramref name="deviceIds"/> changed (committed): publish them.</summary>
    public void Notify(IEnumerable<string> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        foreach (var deviceId in deviceIds)
        {
            _changed.Writer.TryWrite(deviceId);
        }
    }

    /// <summary>The newest version of a device's state the broker acknowledged from this process, or null.</summary>
    public long? PublishedVersion(string deviceId) => _published.TryGetValue(deviceId, out var version) ? version : null;

    /// <summary>The envelope published for <paramref name="state"/>: its stored payload's exact UTF-8 bytes, signed.</summary>
    public static byte[] Sign(DesiredStateSigningKey signing, DeviceSuspensionState state)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentNullException.ThrowIfNull(state);
        return signing.Signer.SignToJson(SuspensionStateMessage.SchemaId, Encoding.UTF8.GetBytes(state.Payload));
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
        var options = FleetClientOptions.Builder(settings, authority, settings.ClientId + ClientIdSuffix).WithCleanStart(true).Build();
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
        while (_changed.Reader.TryRead(out _))
        {
        }

        foreach (var state in await states.ListAsync(lost.Token))
        {
            await PublishAsync(client, state, lost.Token);
        }

        while (true)
        {
            var deviceId = await _changed.Reader.ReadAsync(lost.Token);
            if (await states.FindAsync(deviceId, lost.Token) is { } state)
            {
                await PublishAsync(client, state, lost.Token);
            }
        }
    }

    private async Task PublishAsync(IMqttClient client, DeviceSuspensionState state, CancellationToken stoppingToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Suspension(state.DeviceId))
            .WithPayload(Sign(signing, state))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attempt.CancelAfter(brokerOptions.Value.KeepAlive * 2);
        var result = await client.PublishAsync(message, attempt.Token);
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new BrokerRefusedException($"publish on {message.Topic} refused: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }

        _published.AddOrUpdate(state.DeviceId, state.Version, (_, old) => Math.Max(old, state.Version));
        LogPublished(_logger, state.DeviceId, state.Version);
    }

    [LoggerMessage(EventId = 11001, Level = LogLevel.Information, Message = "Suspension state version {Version} of {DeviceId} published")]
    private static partial void LogPublished(ILogger logger, string deviceId, long version);

    [LoggerMessage(EventId = 11002, Level = LogLevel.Warning, Message = "Cannot publish suspension states to {Endpoint}: {Reason}; next attempt in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string endpoint, string reason, TimeSpan delay);
}
