using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Heartbeats (<see cref="Topics.Health"/>, with the outbox figures) every <see cref="MqttOptions.HeartbeatInterval"/> while connected.</summary>
internal sealed class HeartbeatChannel(MqttSession session, IHealthSource health, IAlertOutbox outbox, TimeSpan interval)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var time = session.Time;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (!session.IsConnected)
            {
                continue;
            }

            try
            {
                var beat = health.Build(time.GetUtcNow());
                beat = beat with { Outbox = beat.Outbox ?? PublishOutcomes.OutboxHealthOf(outbox, time.GetUtcNow()) };
                await session.Client.PublishAsync(MqttMessages.Health(session.DeviceId, beat), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
            {
                // A missed heartbeat is not retried: the next one supersedes it.
                MqttLog.PublishFailed(session.Logger, Topics.Health(session.DeviceId), ex.Message);
            }
        }
    }
}
