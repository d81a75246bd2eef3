using OpenCvSharp;
using OpenCvSharp.Internal;

namespace Vsa.Edge.Agent.Inference;

/// <summary>
/// <c>cv::resize</c> into one reused destination without managed allocation. OpenCvSharp's <c>Cv2.Resize(Mat, Mat)</c>
/// allocates two finalizable proxy objects per call (≈ 200 bytes) and disposes its output proxy after each call, so
/// the proxies cannot be cached through the public wrappers; this class keeps the native <c>_InputArray</c> /
/// <c>_OutputArray</c> proxies itself. A proxy only stores the address of the <c>cv::Mat</c> header, so it stays valid
/// while that Mat object lives (frame buffers are pooled and live as long as the pipeline).
/// </summary>
internal sealed class MatResizer : IDisposable
{
    private const int MaxCachedSources = 16;
    private readonly Dictionary<IntPtr, IntPtr> _inputProxies = [];
    private readonly Mat _destination;
    private readonly int _interpolation;
    private IntPtr _outputProxy;

    /// <param name="destination">The Mat every resize writes into.</param>
    /// <param name="interpolation">Bilinear by default; <see cref="InterpolationFlags.Area"/> averages pixels for strong downscaling.</param>
    public MatResizer(Mat destination, InterpolationFlags interpolation = InterpolationFlags.Linear)
    {
        _destination = destination;
        _interpolation = (int)interpolation;
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(destination.CvPtr, out _outputProxy));
    }

    /// <summary>Resizes <paramref name="source"/> into the destination Mat, reallocating it only when the size changes.</summary>
    public void Resize(Mat source, int width, int height)
    {
        ObjectDisposedException.ThrowIf(_outputProxy == IntPtr.Zero, this);
        var key = source.CvPtr;
        if (!_inputProxies.TryGetValue(key, out var input))
        {
            if (_inputProxies.Count >= MaxCachedSources)
            {
                DeleteInputProxies();
            }

            NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(key, out input));
            _inputProxies[key] = input;
        }

        NativeMethods.HandleException(NativeMethods.imgproc_resize(input, _outputProxy, new Size(width, height), 0, 0, _interpolation));
        GC.KeepAlive(source);
        GC.KeepAlive(_destination);
    }

    public void Dispose()
    {
        DeleteInputProxies();
        if (_outputProxy != IntPtr.Zero)
        {
            NativeMethods.HandleException(NativeMethods.core_OutputArray_delete(_outputProxy));
            _outputProxy = IntPtr.Zero;
        }
    }

    private void DeleteInputProxies()
    {
        foreach (var proxy in _inputProxies.Values)
        {
            NativeMethods.HandleException(NativeMethods.core_InputArray_delete(proxy));
        }

        _inputProxies.Clear();
    }
}
