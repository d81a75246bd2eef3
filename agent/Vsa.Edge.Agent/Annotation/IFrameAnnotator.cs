using OpenCvSharp;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Annotation;

/// <summary>
/// Sees each analysed frame with what was found in it, after the rules ran; for local debug output only (the
/// installer's tuning video). Called on the pipeline's last stage; the frame is the pipeline's buffer (privacy masks
/// already blanked) and may be drawn on.
/// </summary>
public interface IFrameAnnotator : IDisposable
{
    /// <summary>One analysed frame: its reported detections, the rules' observation (tracks, pose, fire candidates) and the alert messages just emitted.</summary>
    void Annotate(Mat frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts);

    /// <summary>Alert messages emitted outside a frame: open alerts ended when the rules were flushed (pipeline end, reload).</summary>
    void Complete(IReadOnlyList<AlertMessage> alerts);
}
