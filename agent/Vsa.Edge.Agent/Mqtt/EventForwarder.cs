using System.Threading.Channels;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Forwards device events (camera offline/online, tamper, maintenance) from the capture and GPIO side (QoS 1,
/// <see cref="Topics.Events"/>), one at a time while connected; an event whose publication failed is sent again after the
/// reconnection.
/// </summary>
internal sealed class EventForwarder(MqttSession session, ChannelReader<DeviceEvent> events)
{
    public async Task RunAsync(CancellationToken ct)
    {
        DeviceEvent? pending = null;
        while (!ct.IsCancellationRequested)
        {
            pending ??= await events.ReadAsync(ct).ConfigureAwait(false);
            await session.Connected.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await session.Client.PublishAsync(MqttMessages.Event(session.DeviceId, pending), ct).ConfigureAwait(false);
                pending = null;
            }
            catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
            {
                // Kept in hand: it goes out once the connection is back (the connection loop reconnects).
                MqttLog.PublishFailed(session.Logger, Topics.Events(session.DeviceId), ex.Message);
                await session.Disconnected.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
