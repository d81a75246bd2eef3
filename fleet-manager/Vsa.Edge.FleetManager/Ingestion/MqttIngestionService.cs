using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The ingestion from an external broker (with the embedded broker, <see cref="EmbeddedIngestion"/> stores each message
/// before the broker acknowledges it, and this service only reports the ingestion as subscribed): one MQTT 5 client with a persistent session (clean start off, session expiry on), subscribed with QoS 1
/// to the alerts, health, status and configuration reports of every device. It owns its reconnections (MQTTnet v5 has no managed client), waiting
/// with exponential back-off on the injected <see cref="TimeProvider"/>. Received messages go to the
/// <see cref="IngestionWriter"/>, which acknowledges each only after the batch holding it is stored, so a crash or a storage
/// failure leaves it with the broker for redelivery.
/// </summary>
public sealed partial class MqttIngestionService(
    IngestionWriter writer,
    IngestionState state,
    LiveBroadcaster live,
    IOptions<BrokerOptions> brokerOptions,
    FleetCertificateAuthority authority,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<MqttIngestionService>();
    private TaskCompletionSource _connectionEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _reconnectRequested;
    private InboundConnection _connection = InboundConnection.Closed;
    private CancellationToken _stopping;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var settings = brokerOptions.Value;
        if (settings.Mode == BrokerMode.Embedded)
        {
            // The embedded broker stores each message before acknowledging it (EmbeddedIngestion): a client of our own would
            // only receive every message a second time.
            Broadcast(state.Subscribed(timeProvider.GetUtcNow()));
            LogInProcess(_logger);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                LogStopped(_logger);
            }

            return;
        }

        var backoff = new ReconnectBackoff(settings.ReconnectMinDelay, settings.ReconnectMaxDelay);
        using var client = new MqttClientFactory().CreateMqttClient(new MqttNetLoggerAdapter(loggerFactory.CreateLogger("MQTTnet.Client"), LogLevel.Warning), new BufferedClientAdapterFactory());
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += _ =>
        {
            _connectionEnded.TrySetResult();
            return Task.CompletedTask;
        };

        var clientOptions = BuildClientOptions(settings, authority);
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            var failed = false;
            try
            {
                reason = await RunConnectionAsync(client, clientOptions, settings, backoff, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or MqttProtocolViolationException or BrokerRefusedException)
            {
                reason = ex.Message;
                failed = true;
            }
            finally
            {
                // What this connection received and did not acknowledge comes back on the next one.
                Volatile.Read(ref _connection).Close();
            }

            if (client.IsConnected)
            {
                // Still connected only when a storage failure asked for a reconnect: drop the link so the broker keeps the
                // unacknowledged message in the session and redelivers it.
                await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.ImplementationSpecificError, "storage failure");
            }

            // The timer is armed before the state is published, so whoever sees the new state can already move the clock.
            var delay = backoff.Next();
            var wait = Task.Delay(delay, timeProvider, stoppingToken);
            var retryAt = timeProvider.GetUtcNow() + delay;
            Broadcast(failed ? state.AttemptFailed(reason, retryAt) : state.ConnectionLost(reason, retryAt));
            LogInterrupted(_logger, settings.Endpoint, reason, delay);
            try
            {
                await wait;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (client.IsConnected)
        {
            // A normal disconnect keeps the session: the broker queues what arrives until the next start.
            await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "fleet manager stopping");
        }

        LogStopped(_logger);
    }

    private async Task<string> RunConnectionAsync(IMqttClient client, MqttClientOptions clientOptions, BrokerOptions settings, ReconnectBackoff backoff, CancellationToken stoppingToken)
    {
        _reconnectRequested = false;
        Volatile.Write(ref _connectionEnded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        // Before connecting: a resumed session delivers its queued messages right after CONNACK.
        Volatile.Write(ref _connection, new InboundConnection(this));

        MqttClientConnectResult connected;
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            // MQTTnet applies its own timeout only to uncancellable calls; a black-holed broker must not stall the loop.
            attempt.CancelAfter(clientOptions.Timeout);
            try
            {
                connected = await client.ConnectAsync(clientOptions, attempt.Token);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new BrokerRefusedException($"connection refused: {connected.ResultCode} {connected.ReasonString}".TrimEnd());
                }

                await SubscribeAsync(client, settings.SharedSubscriptionGroup, attempt.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                throw new MqttCommunicationTimedOutException();
            }
        }

        backoff.Reset();
        Broadcast(state.Subscribed(timeProvider.GetUtcNow()));
        LogSubscribed(_logger, settings.Endpoint, settings.ClientId, connected.IsSessionPresent);

        while (true)
        {
            await _connectionEnded.Task.WaitAsync(stoppingToken);

            // A disconnect event from an earlier attempt can arrive late: publish a fresh signal first, then look at the
            // client, so that a real disconnect is never missed between the two.
            Volatile.Write(ref _connectionEnded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!client.IsConnected || _reconnectRequested)
            {
                break;
            }
        }

        return _reconnectRequested ? "storage failure; reconnecting for redelivery" : "connection to the broker lost";
    }

    private static async Task SubscribeAsync(IMqttClient client, string? sharedGroup, CancellationToken cancellationToken)
    {
        // Alerts and heartbeats go to one instance of a shared group; statuses and configuration reports are retained and
        // idempotent, so every instance takes them whole (a shared subscription would never receive the retained ones).
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Shared(sharedGroup, Topics.AllAlerts), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Shared(sharedGroup, Topics.AllHealth), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllStatus, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllConfigReported, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Shared(sharedGroup, Topics.AllConfigProposals), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllModelReported, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.SubscribeAsync(subscribe, cancellationToken);
        var refused = result.Items.Where(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2)).ToList();
        if (refused.Count > 0)
        {
            throw new BrokerRefusedException("subscription refused: " + string.Join(", ", refused.Select(i => $"{i.TopicFilter.Topic}: {i.ResultCode}")));
        }
    }

    /// <summary>The filter as subscribed: <c>$share/{group}/{filter}</c> in a shared group, else the filter itself.</summary>
    internal static string Shared(string? group, string filter) => group is null ? filter : $"$share/{group}/{filter}";

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // The writer acknowledges the message once the batch holding it is committed.
        e.AutoAcknowledge = false;
        var message = new InboundMessage(
            e.ApplicationMessage.Topic,
            System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload),
            timeProvider.GetUtcNow(),
            Volatile.Read(ref _connection),
            e.AcknowledgeAsync);
        try
        {
            await writer.EnqueueAsync(message, _stopping);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping with a full queue: left unacknowledged, the broker redelivers it after the restart.
        }
    }

    internal void RequestReconnectFromStorage()
    {
        _reconnectRequested = true;
        _connectionEnded.TrySetResult();
    }

    /// <summary>
    /// The ingestion socket's receive and send buffers (SO_RCVBUF, SO_SNDBUF), in bytes. MQTTnet sets both to 8 KiB unless told
    /// otherwise, before connecting: the kernel then offers no TCP window scaling and a window of a few kilobytes, smaller than
    /// a loopback segment, and once the broker has a backlog for the fleet its delivery falls into the silly-window avoidance
    /// of both ends, one segment per delayed acknowledgement (40 ms): a burst of 10,000 alerts took minutes instead of
    /// seconds (seen with <c>ss -tni</c>: <c>wscale:0</c>, <c>snd_wnd</c> ~6 KB, <c>rwnd_limited</c> 100 %, kilobytes a second).
    /// 1 MiB keeps window scaling and lets the broker stream a whole in-flight window (1,000 alerts) without waiting.
    /// </summary>
    internal const int SocketBufferBytes = 1 << 20;

    private static MqttClientOptions BuildClientOptions(BrokerOptions settings, FleetCertificateAuthority authority)
    {
        var options = FleetClientOptions.Builder(settings, authority, settings.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)settings.SessionExpirySeconds)
            .Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            tcp.BufferSize = SocketBufferBytes;
        }

        return options;
    }

    private void Broadcast(IngestionSnapshot snapshot) =>
        live.Publish(new LiveEvent(LiveEventTypes.Ingestion, JsonSerializer.Serialize(snapshot, FleetJsonContext.Default.IngestionSnapshot)));

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Ingesting from {Endpoint} as {ClientId} (session resumed: {SessionPresent})")]
    private static partial void LogSubscribed(ILogger logger, string endpoint, string clientId, bool sessionPresent);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "No ingestion from {Endpoint}: {Reason}; next attempt in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string endpoint, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "Ingesting inside the embedded broker: each message is acknowledged to its device once stored")]
    private static partial void LogInProcess(ILogger logger);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Ingestion stopped")]
    private static partial void LogStopped(ILogger logger);
}

/// <summary>One MQTT connection of the ingestion, as seen by the writer.</summary>
internal sealed class InboundConnection(MqttIngestionService? owner) : IInboundConnection
{
    /// <summary>A connection that is already over (before the first one).</summary>
    public static readonly InboundConnection Closed = Create();

    private volatile bool _closed;

    /// <inheritdoc />
    public bool IsOpen => !_closed;

    /// <summary>The connection ended: its unacknowledged messages will be redelivered on the next one.</summary>
    public void Close() => _closed = true;

    /// <inheritdoc />
    public void StorageFailed(Exception exception)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        owner?.RequestReconnectFromStorage();
    }

    private static InboundConnection Create()
    {
        var closed = new InboundConnection(null);
        closed.Close();
        return closed;
    }
}

/// <summary>The broker refused the ingestion's connection (credentials) or one of its subscriptions (ACL).</summary>
public sealed class BrokerRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BrokerRefusedException()
    {
    }

    /// <summary>Creates the exception with what was refused.</summary>
    public BrokerRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public BrokerRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
