using System.Threading.Channels;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Device events (camera offline/online, tamper, maintenance) from the capture and GPIO side.</summary>
public sealed partial class MqttPublisher
{
    /// <summary>
    /// Device events to publish (QoS 1, <see cref="Topics.Events"/>), read one at a time while connected; an event whose
    /// publication failed is sent again after the reconnection. Null: none (<c>analyze</c>).
    /// </summary>
    public ChannelReader<DeviceEvent>? DeviceEvents { get; init; }

    private async Task DeviceEventsLoopAsync(ChannelReader<DeviceEvent> events, CancellationToken ct)
    {
        DeviceEvent? pending = null;
        while (!ct.IsCancellationRequested)
        {
            pending ??= await events.ReadAsync(ct).ConfigureAwait(false);
            await _connected.Task.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _client.PublishAsync(MqttMessages.Event(_deviceId, pending), ct).ConfigureAwait(false);
                pending = null;
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
            {
                // Kept in hand: it goes out once the connection is back (the connection loop reconnects).
                MqttLog.PublishFailed(_logger, Topics.Events(_deviceId), ex.Message);
                await _disconnected.Task.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
