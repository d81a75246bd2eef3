using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Proposals;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Configuration proposals out (<see cref="Topics.ConfigProposal"/>): the files of <see cref="ProposalFolder"/>, while connected.</summary>
public sealed partial class MqttPublisher
{
    private Task? _proposalLoop;

    /// <summary>The installer's proposals to send; null: none are sent.</summary>
    public ProposalFolder? Proposals { get; init; }

    /// <summary>Proposals the fleet acknowledged through this publisher.</summary>
    public long ProposalsSent => Interlocked.Read(ref _proposalsSent);

    private long _proposalsSent;

    // Scans at each connection and every ProposalScanInterval while connected; one at a time, each removed only after its PUBACK.
    private async Task ProposalLoopAsync(ProposalFolder folder, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _connected.Task.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = _disconnected;
            foreach (var proposal in folder.Pending(_deviceId))
            {
                try
                {
                    var result = await _client.PublishAsync(ProposalMessage(proposal.Message), ct).ConfigureAwait(false);
                    if (PublishOutcomes.Classify(result.ReasonCode) != PublishOutcome.Delivered)
                    {
                        MqttLog.PublishFailed(_logger, Topics.ConfigProposal(_deviceId), $"{result.ReasonCode} {result.ReasonString}".Trim());
                        break;
                    }

                    folder.MarkSent(proposal);
                    Interlocked.Increment(ref _proposalsSent);
                }
                catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(_logger, Topics.ConfigProposal(_deviceId), ex.Message);
                    break;
                }
            }

            await Task.WhenAny(Task.Delay(_options.ProposalScanInterval, _time, ct), disconnected.Task).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage ProposalMessage(ConfigProposalMessage proposal) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigProposal(_deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(proposal, ContractsJsonContext.Default.ConfigProposalMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .Build();
}
