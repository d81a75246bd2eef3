using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// One role of the device's MQTT connection at every connection: subscribe, or publish what waits, before the connection
/// counts as made; and take the messages received on its own topics.
/// </summary>
internal interface IMqttChannel
{
    /// <summary>Runs at every connection (the session may be new: expired, broker restarted); a failure fails the connection.</summary>
    Task OnConnectingAsync(CancellationToken ct);

    /// <summary>Takes a received message when it is on this channel's topic.</summary>
    bool TryRoute(MqttApplicationMessage message);
}

/// <summary>
/// The device's MQTT connection and session, shared by its channels: connects with an MQTT 5 persistent session (clean
/// start off, session expiry) and the retained offline status as last will, publishes the retained online status,
/// reconnects with jittered exponential backoff, runs each channel's connection step (<see cref="IMqttChannel"/>) and
/// routes received messages to them. Holds the client credentials (a renewal switches them with a clean reconnection)
/// and the connected/disconnected signals the channels' loops wait on.
/// </summary>
internal sealed class MqttSession
{
    private readonly MqttOptions _options;
    private readonly Func<int> _waiting;
    private readonly TaskCompletionSource _firstConnection = NewSignal();
    private DeviceCredentials? _credentials;
    private TaskCompletionSource _disconnected = NewSignal();
    private TaskCompletionSource _connected = NewSignal();
    private PendingSwitch? _switch;
    private int _connections;
    private bool _stopping;

    // waiting: the alerts waiting in the outbox, for the connection log.
    public MqttSession(MqttOptions options, string deviceId, TimeProvider time, ILogger logger, Func<int> waiting, Func<double>? jitter)
    {
        _options = options;
        DeviceId = deviceId;
        Time = time;
        Logger = logger;
        _waiting = waiting;

        // Loaded once, so a missing or unreadable key stops the agent at start rather than at every reconnection.
        _credentials = DeviceCredentials.Load(options);
        ClientId = options.ClientId ?? (_credentials is null ? $"vsa-agent-{deviceId}" : deviceId);
        Backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
        Client = new MqttClientFactory().CreateMqttClient();
        Client.DisconnectedAsync += OnDisconnectedAsync;
        Client.ApplicationMessageReceivedAsync += OnApplicationMessageAsync;
    }

    public IMqttClient Client { get; }

    public string DeviceId { get; }

    public string ClientId { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public ReconnectBackoff Backoff { get; }

    /// <summary>The channels, in the order their connection steps run and received messages are offered.</summary>
    public IReadOnlyList<IMqttChannel> Channels { get; set; } = [];

    public bool IsConnected => Client.IsConnected;

    public int Connections => Volatile.Read(ref _connections);

    public bool SessionPresent { get; private set; }

    public DeviceCredentials? Credentials => Volatile.Read(ref _credentials);

    /// <summary>Completes while connected (a new task after each disconnection).</summary>
    public Task Connected => Volatile.Read(ref _connected).Task;

    /// <summary>Completes when the current connection drops (a new task at each connection attempt).</summary>
    public Task Disconnected => Volatile.Read(ref _disconnected).Task;

    /// <summary>Completes at the first successful connection.</summary>
    public Task FirstConnection => _firstConnection.Task;

    /// <summary>Marks the stop, so the disconnection that follows is not warned about.</summary>
    public void Stopping() => Volatile.Write(ref _stopping, true);

    /// <summary>
    /// Connects whenever not connected and runs <paramref name="whileConnected"/> (the alert drainer) while connected,
    /// until <paramref name="ct"/>.
    /// </summary>
    public async Task ConnectionLoopAsync(Func<CancellationToken, Task> whileConnected, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (!Client.IsConnected && !await TryConnectAsync(ct).ConfigureAwait(false))
            {
                continue;
            }

            await whileConnected(ct).ConfigureAwait(false);
        }
    }

    public Task<MqttClientPublishResult> PublishStatusAsync(DeviceState state, CancellationToken ct) =>
        Client.PublishAsync(MqttMessages.Status(DeviceId, state, Time.GetUtcNow()), ct);

    public Task DisconnectAsync(CancellationToken ct) =>
        Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), ct);

    /// <summary>Reconnects with <paramref name="next"/> (a clean disconnection: no last will, the session stays); returns once connected with it.</summary>
    public async Task SwitchCredentialsAsync(DeviceCredentials next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var pending = new PendingSwitch(next);
        Volatile.Write(ref _switch, pending);
        var previous = Interlocked.Exchange(ref _credentials, next);
        try
        {
            // Alerts not yet acknowledged stay in the outbox and go out again on the new connection, which the connection
            // loop opens at once with the new certificate.
            await DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Not connected at that moment: the next connection uses the new certificate anyway.
        }

        await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (previous is not null && !ReferenceEquals(previous, next))
        {
            previous.Dispose();
        }
    }

    public void Dispose()
    {
        Client.DisconnectedAsync -= OnDisconnectedAsync;
        Client.ApplicationMessageReceivedAsync -= OnApplicationMessageAsync;
        Client.Dispose();
        Volatile.Read(ref _credentials)?.Dispose();
    }

    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static bool IsConnectionFailure(Exception ex) =>
        ex is MqttCommunicationException or SocketException or IOException or TimeoutException or InvalidOperationException;

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        try
        {
            var connectedAt = Time.GetUtcNow();
            var credentials = Volatile.Read(ref _credentials);
            var options = MqttMessages.ConnectOptions(_options, ClientId, DeviceId, connectedAt, credentials);
            Volatile.Write(ref _disconnected, NewSignal());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            var result = await Client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttCommunicationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            SessionPresent = result.IsSessionPresent;
            await PublishStatusAsync(DeviceState.Online, ct).ConfigureAwait(false);

            // At every connection: the session may be new (expired, broker restarted), and the retained desired
            // configuration it brings back is a no-op when already applied.
            foreach (var channel in Channels)
            {
                await channel.OnConnectingAsync(ct).ConfigureAwait(false);
            }

            Backoff.Reset();
            Interlocked.Increment(ref _connections);
            _firstConnection.TrySetResult();
            Volatile.Read(ref _connected).TrySetResult();
            ConnectedWith(credentials);
            var waiting = _waiting();
            MqttLog.Connected(Logger, _options.Host, _options.Port, ClientId, result.IsSessionPresent, waiting);
            return true;
        }
        catch (Exception ex) when ((IsConnectionFailure(ex) || ex is OperationCanceledException) && !ct.IsCancellationRequested)
        {
            var delay = Backoff.Next();
            MqttLog.ConnectFailed(Logger, _options.Host, _options.Port, Backoff.Attempt, ex.Message, delay);
            await Task.Delay(delay, Time, ct).ConfigureAwait(false);
            return false;
        }
    }

    private Task OnApplicationMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        foreach (var channel in Channels)
        {
            if (channel.TryRoute(e.ApplicationMessage))
            {
                break;
            }
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !Volatile.Read(ref _stopping) && !SwitchingCredentials)
        {
            MqttLog.Disconnected(Logger, e.Exception?.Message ?? e.Reason.ToString());
        }

        if (_connected.Task.IsCompleted)
        {
            Volatile.Write(ref _connected, NewSignal());
        }

        Volatile.Read(ref _disconnected).TrySetResult();
        return Task.CompletedTask;
    }

    // A disconnection it asked for (the switch), not one to warn about.
    private bool SwitchingCredentials => Volatile.Read(ref _switch) is { Done.Task.IsCompleted: false };

    private void ConnectedWith(DeviceCredentials? credentials)
    {
        if (credentials is not null && Volatile.Read(ref _switch) is { } pending && ReferenceEquals(pending.Credentials, credentials))
        {
            pending.Done.TrySetResult();
        }
    }

    private sealed record PendingSwitch(DeviceCredentials Credentials)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
