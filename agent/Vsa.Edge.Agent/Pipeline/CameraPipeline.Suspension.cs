using System.Threading.Channels;
using Vsa.Edge.Agent.Suspension;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>
/// The kill switch in the pipeline: while <see cref="Suspension"/> says the camera is suspended, the inference stage hands
/// its frames straight back (no model run, so no rules and no alert) and counts them in
/// <see cref="PipelineStats.FramesSuspended"/>. At the first suspended frame it sends the last stage a marker instead of a
/// job, and the last stage — the only one touching the rules — ends every open alert with
/// <see cref="AlertEndReason.Suspended"/>, so the alerts end within one frame of the state changing.
/// </summary>
public sealed partial class CameraPipeline
{
    private bool _suspendedSignalled;

    // Takes a free job and sends it down as the "suspended" marker; false when the pipeline is stopping.
    private static async ValueTask<bool> SignalSuspendedAsync(ChannelReader<InferenceJob> freeJobs, ChannelWriter<InferenceJob> output)
    {
        InferenceJob? job;
        while (!freeJobs.TryRead(out job))
        {
            if (!await freeJobs.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                return false;
            }
        }

        job.Frame = null;
        job.Suspended = true;
        try
        {
            await output.WriteAsync(job, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private void ResumeIfSuspended()
    {
        if (_suspendedSignalled)
        {
            _suspendedSignalled = false;
            SuspensionLog.CameraResumed(_logger, _cameraId);
        }
    }

    // On the last stage: ends the open alerts as suspended and forgets the half-measured conditions.
    private void EndForSuspension()
    {
        var count = 0;
        if (_rules is not null)
        {
            _alerts.Clear();
            _rules.Flush(_lastTimestamp ?? _time.GetUtcNow(), _alerts);
            for (var i = 0; i < _alerts.Count; i++)
            {
                if (_alerts[i].State == AlertState.End)
                {
                    _alerts[i] = _alerts[i] with { EndReason = AlertEndReason.Suspended };
                    count++;
                }
            }

            if (_alerts.Count > 0)
            {
                _sink.OnAlerts(_alerts);
            }

            Analysis?.Complete(_alerts);
        }

        SuspensionLog.CameraSuspended(_logger, _cameraId, count);
    }
}
