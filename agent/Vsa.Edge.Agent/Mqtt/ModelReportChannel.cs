using Vsa.Edge.Agent.Models;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>The model report out (retained, QoS 1, on <see cref="Topics.ModelReported"/>): the latest wins, sent again after every reconnection.</summary>
internal sealed class ModelReportChannel(MqttSession session)
    : RetainedReportChannel<ModelReportedMessage>(session, Topics.ModelReported(session.DeviceId), ContractsJsonContext.Default.ModelReportedMessage), IModelReportSink;
