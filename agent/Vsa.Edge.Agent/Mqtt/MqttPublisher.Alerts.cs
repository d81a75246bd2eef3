using System.Runtime.ExceptionServices;
using MQTTnet;
using MQTTnet.Exceptions;
using Vsa.Edge.Agent.Outbox;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>The alert half of the publisher: windows of the outbox sent with QoS 1, removed once acknowledged.</summary>
public sealed partial class MqttPublisher
{
    // Publishes a window of the oldest alerts back to back (MQTTnet writes them in call order), then awaits their PUBACKs
    // in that order and removes the acknowledged ones in one transaction. A failure leaves the rest in the outbox. A new
    // window starts only while `between` is not cancelled; `inflight` cancels the sends and their PUBACK waits.
    private async Task PublishWaitingAsync(CancellationToken between, CancellationToken inflight)
    {
        while (!between.IsCancellationRequested)
        {
            var batch = _outbox.Peek(_options.MaxInflightAlerts);
            if (batch.Count == 0)
            {
                return;
            }

            var sends = new Task<MqttClientPublishResult>[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                sends[i] = _client.PublishAsync(MqttMessages.Alert(_deviceId, batch[i]), inflight);
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
                            _outbox.Reject(batch[i], $"{result.ReasonCode} {result.ReasonString}".Trim());
                            break;
                        default:
                            failure ??= new MqttCommunicationException($"broker refused alert {batch[i].MessageId}: {result.ReasonCode} {result.ReasonString}");
                            break;
                    }
                }
                catch (Exception ex) when (IsConnectionFailure(ex) || ex is OperationCanceledException)
                {
                    failure ??= ex;
                }
            }

            _outbox.Remove(acknowledged);
            Interlocked.Add(ref _published, acknowledged.Count);
            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }
}
