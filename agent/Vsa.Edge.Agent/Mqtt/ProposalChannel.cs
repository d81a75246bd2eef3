using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Proposals;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Configuration proposals out (<see cref="Topics.ConfigProposal"/>): the files of <see cref="ProposalFolder"/>, while connected.</summary>
internal sealed class ProposalChannel(MqttSession session, ProposalFolder folder, TimeSpan scanInterval)
{
    private long _sent;

    /// <summary>Proposals the fleet acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    // Scans at each connection and every scan interval while connected; one at a time, each removed only after its PUBACK.
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await session.Connected.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = session.Disconnected;
            foreach (var proposal in folder.Pending(session.DeviceId))
            {
                try
                {
                    var result = await session.Client.PublishAsync(ProposalMessage(proposal.Message), ct).ConfigureAwait(false);
                    if (PublishOutcomes.Classify(result.ReasonCode) != PublishOutcome.Delivered)
                    {
                        MqttLog.PublishFailed(session.Logger, Topics.ConfigProposal(session.DeviceId), $"{result.ReasonCode} {result.ReasonString}".Trim());
                        break;
                    }

                    folder.MarkSent(proposal);
                    Interlocked.Increment(ref _sent);
                }
                catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(session.Logger, Topics.ConfigProposal(session.DeviceId), ex.Message);
                    break;
                }
            }

            await Task.WhenAny(Task.Delay(scanInterval, session.Time, ct), disconnected).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage ProposalMessage(ConfigProposalMessage proposal) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigProposal(session.DeviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(proposal, ContractsJsonContext.Default.ConfigProposalMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .Build();
}
