using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Exceptions;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Drains the alert outbox to the broker (QoS 1, <see cref="Topics.Alerts"/>) in outbox order while the session is
/// connected, removing an alert only after its PUBACK with a success reason code.
/// </summary>
internal sealed class AlertDrainer(MqttSession session, IAlertOutbox outbox, int maxInflight, CancellationToken inflight)
{
    private long _published;

    /// <summary>Alerts the broker acknowledged.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Publishes what waits, then sleeps until an alert is stored or the connection drops (the session then reconnects at once).</summary>
    public async Task DrainWhileConnectedAsync(CancellationToken ct)
    {
        try
        {
            await PublishWaitingAsync(ct, inflight).ConfigureAwait(false);
            await Task.WhenAny(outbox.WaitAsync(c => c.Depth > 0, ct), session.Disconnected).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when ((MqttSession.IsConnectionFailure(ex) || ex is SqliteException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            MqttLog.PublishFailed(session.Logger, Topics.Alerts(session.DeviceId), ex.Message);
            if (session.IsConnected)
            {
                // Still connected, so the broker refused (or the disk failed): wait before the same alert again.
                await Task.Delay(session.Backoff.Next(), session.Time, ct).ConfigureAwait(false);
            }
        }
    }

    // Publishes a window of the oldest alerts back to back (MQTTnet writes them in call order), then awaits their PUBACKs
    // in that order and removes the acknowledged ones in one transaction. A failure leaves the rest in the outbox. A new
    // window starts only while `between` is not cancelled; `inflight` cancels the sends and their PUBACK waits.
    public async Task PublishWaitingAsync(CancellationToken between, CancellationToken inflight)
    {
        while (!between.IsCancellationRequested)
        {
            var batch = outbox.Peek(maxInflight);
            if (batch.Count == 0)
            {
                return;
            }

            var sends = new Task<MqttClientPublishResult>[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                sends[i] = session.Client.PublishAsync(MqttMessages.Alert(session.DeviceId, batch[i]), inflight);
            }

            var acknowledged = new List<OutboxEntry>(batch.Count);
            Exception? failure = null;
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    var result = await sends[i].ConfigureAwait(false);
                    switch (PublishOutcomes.Classify(result.ReasonCode))
                    {
                        case PublishOutcome.Delivered:
                            acknowledged.Add(batch[i]);
                            break;
                        case PublishOutcome.RefusedForGood:
                            outbox.Reject(batch[i], $"{result.ReasonCode} {result.ReasonString}".Trim());
                            break;
                        default:
                            failure ??= new MqttCommunicationException($"broker refused alert {batch[i].MessageId}: {result.ReasonCode} {result.ReasonString}");
                            break;
                    }
                }
                catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) || ex is OperationCanceledException)
                {
                    failure ??= ex;
                }
            }

            outbox.Remove(acknowledged);
            Interlocked.Add(ref _published, acknowledged.Count);
            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }
}
