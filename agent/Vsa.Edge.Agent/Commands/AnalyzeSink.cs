using System.Text.Json;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Commands;

/// <summary>Where a replay's results go: detections and events JSONL files, the optional broker, progress and counts.</summary>
internal sealed class AnalyzeSink(DetectionsWriter? detections, TextWriter? events, IAlertSink? publisher, ProgressReporter progress) : IPipelineSink
{
    private readonly Dictionary<(EventType, AlertState), int> _alertCounts = [];

    public long FramesProcessed { get; private set; }

    public long LastFrameIndex { get; private set; } = -1;

    public IReadOnlyDictionary<(EventType Type, AlertState State), int> AlertCounts => _alertCounts;

    /// <summary>Starts, updates, ends and largest measurement per event type.</summary>
    public AlertSummary Summary { get; } = new();

    public void OnFrame(in FrameResult frame)
    {
        detections?.Write(frame);
        FramesProcessed++;
        LastFrameIndex = frame.FrameIndex;
        progress.Report(frame.FrameIndex, FramesProcessed);
    }

    public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
    {
        foreach (var alert in alerts)
        {
            events?.Write(JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage));
            events?.Write('\n');
            publisher?.Enqueue(alert);
            var key = (alert.EventType, alert.State);
            _alertCounts[key] = _alertCounts.GetValueOrDefault(key) + 1;
            Summary.Add(alert);
        }
    }
}
