using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// The connection loop of a fleet service that listens to one device→fleet topic on its own client
/// (<c>{ClientId}{suffix}</c>, persistent session, in the instances' shared group when there is one): connect, subscribe at
/// QoS 1, wait for the disconnection, back off and reconnect until stopped. Used by certificate renewal and installation
/// reports; the caller handles the messages.
/// </summary>
internal static class FleetSubscriberLoop
{
    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled; <paramref name="subscribed"/> is set at the first subscription.</summary>
    public static async Task RunAsync(
        BrokerOptions settings,
        Trust.FleetCertificateAuthority authority,
        string clientIdSuffix,
        string topicFilter,
        Func<IMqttClient, MqttApplicationMessageReceivedEventArgs, Task> handle,
        Action<string, TimeSpan> interrupted,
        TaskCompletionSource subscribed,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        CancellationToken stoppingToken)
    {
        var backoff = new ReconnectBackoff(settings.ReconnectMinDelay, settings.ReconnectMaxDelay);
        using var client = new MqttClientFactory().CreateMqttClient(new MqttNetLoggerAdapter(loggerFactory.CreateLogger("MQTTnet.Client"), LogLevel.Warning));
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            Volatile.Read(ref disconnected).TrySetResult();
            return Task.CompletedTask;
        };
        client.ApplicationMessageReceivedAsync += e => handle(client, e);
        var options = FleetClientOptions.Builder(settings, authority, settings.ClientId + clientIdSuffix)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(86400)
            .Build();
        var filter = settings.SharedSubscriptionGroup is { } group ? $"$share/{group}{clientIdSuffix}/{topicFilter}" : topicFilter;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Volatile.Write(ref disconnected, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                var connected = await client.ConnectAsync(options, stoppingToken);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new MqttCommunicationException($"connection refused: {connected.ResultCode} {connected.ReasonString}");
                }

                await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), stoppingToken);
                backoff.Reset();
                subscribed.TrySetResult();
                await Volatile.Read(ref disconnected).Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                var delay = backoff.Next();
                interrupted(ex.Message, delay);
                await client.TryDisconnectAsync();
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
        }

        if (client.IsConnected)
        {
            await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "fleet manager stopping");
        }
    }
}
