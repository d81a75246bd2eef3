using OpenCvSharp;
using OpenCvSharp.Internal;

namespace Vsa.Edge.Agent.StaticRegions;

/// <summary>
/// Cleans a binary mask in place (opening 3 × 3 removes specks, closing 5 × 5 fills holes) and labels its connected
/// components, without managed allocation: OpenCvSharp's <c>Cv2.MorphologyEx</c> and
/// <c>Cv2.ConnectedComponentsWithStats</c> allocate finalizable array proxies on every call, so this class keeps the
/// native <c>_InputArray</c> / <c>_OutputArray</c> proxies itself (as <c>MatResizer</c> does). A proxy stores the address
/// of a <c>cv::Mat</c> header, which stays valid while these Mat objects live.
/// </summary>
internal sealed class MaskRegions : IDisposable
{
    private readonly Mat _openKernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
    private readonly Mat _closeKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(5, 5));
    private readonly IntPtr[] _inputs = new IntPtr[3];
    private readonly IntPtr[] _outputs = new IntPtr[4];

    public MaskRegions()
    {
        NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(Mask.CvPtr, out _inputs[0]));
        NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(_openKernel.CvPtr, out _inputs[1]));
        NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(_closeKernel.CvPtr, out _inputs[2]));
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(Mask.CvPtr, out _outputs[0]));
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(Labels.CvPtr, out _outputs[1]));
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(Stats.CvPtr, out _outputs[2]));
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(Centroids.CvPtr, out _outputs[3]));
    }

    /// <summary>The 8-bit mask (0 or 255) to fill before <see cref="Label"/>.</summary>
    public Mat Mask { get; } = new();

    /// <summary>32-bit label per pixel after <see cref="Label"/> (0 = background).</summary>
    public Mat Labels { get; } = new();

    /// <summary>Per label: left, top, width, height, area (<see cref="ConnectedComponentsTypes"/>).</summary>
    public Mat Stats { get; } = new();

    private Mat Centroids { get; } = new();

    /// <summary>Opens and closes <see cref="Mask"/>, then labels it (8-connected); returns the label count, background included.</summary>
    public int Label()
    {
        ObjectDisposedException.ThrowIf(_outputs[0] == IntPtr.Zero, this);
        var anchor = new Point(-1, -1);
        var border = Scalar.All(double.MaxValue);
        NativeMethods.HandleException(NativeMethods.imgproc_morphologyEx(_inputs[0], _outputs[0], (int)MorphTypes.Open, _inputs[1], anchor, 1, (int)BorderTypes.Constant, border));
        NativeMethods.HandleException(NativeMethods.imgproc_morphologyEx(_inputs[0], _outputs[0], (int)MorphTypes.Close, _inputs[2], anchor, 1, (int)BorderTypes.Constant, border));
        NativeMethods.HandleException(NativeMethods.imgproc_connectedComponentsWithStats(
            _inputs[0], _outputs[1], _outputs[2], _outputs[3], (int)PixelConnectivity.Connectivity8, MatType.CV_32S, out var count));
        GC.KeepAlive(this);
        return count;
    }

    public void Dispose()
    {
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (_inputs[i] != IntPtr.Zero)
            {
                NativeMethods.HandleException(NativeMethods.core_InputArray_delete(_inputs[i]));
                _inputs[i] = IntPtr.Zero;
            }
        }

        for (var i = 0; i < _outputs.Length; i++)
        {
            if (_outputs[i] != IntPtr.Zero)
            {
                NativeMethods.HandleException(NativeMethods.core_OutputArray_delete(_outputs[i]));
                _outputs[i] = IntPtr.Zero;
            }
        }

        Mask.Dispose();
        Labels.Dispose();
        Stats.Dispose();
        Centroids.Dispose();
        _openKernel.Dispose();
        _closeKernel.Dispose();
    }
}
