using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// A short MQTT connection as the device, for the installation checks: the device's client id and certificate (the broker
/// requires both to match), the agent's own persistent session left as it is (clean start off, the same expiry), no last
/// will, so a check never marks the device offline nor drops what the broker keeps for the agent.
/// </summary>
public static class DeviceLink
{
    /// <summary>Connects; throws <see cref="MqttCommunicationException"/> (or a timeout) when the broker refuses or cannot be reached.</summary>
    public static async Task<IMqttClient> ConnectAsync(MqttOptions options, string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var credentials = DeviceCredentials.Load(options);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId ?? (credentials is null ? $"vsa-agent-{deviceId}" : deviceId))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout);
        credentials?.Apply(builder);
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            var result = await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttCommunicationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Disconnects cleanly (the broker keeps the session) and disposes.</summary>
    public static async Task CloseAsync(IMqttClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build()).ConfigureAwait(false);
            }
        }
        catch (MqttCommunicationException)
        {
            // Gone already: nothing to close.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Whether <paramref name="ex"/> is the broker refusing or being out of reach (not a bug).</summary>
    public static bool IsLinkFailure(Exception ex) =>
        ex is MqttCommunicationException or System.Net.Sockets.SocketException or IOException or TimeoutException or OperationCanceledException or InvalidOperationException;
}
