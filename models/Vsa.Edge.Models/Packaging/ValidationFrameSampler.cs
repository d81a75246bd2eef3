using OpenCvSharp;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Models.Packaging;

/// <summary>
/// The frame sampling every validation set shares: every <see cref="PackRequest.FrameStep"/>th frame of the clip, up to
/// <see cref="PackRequest.Frames"/>, is added to the package as a lossless PNG and handed, decoded again from that PNG, to a
/// per-frame callback that computes what the device must reproduce. The device decodes the PNG, not the video: both start
/// from the same pixels.
/// </summary>
public static class ValidationFrameSampler
{
    /// <summary>
    /// Samples the frames of <paramref name="request"/>'s clip into <paramref name="contents"/>; <paramref name="frame"/> gets the
    /// decoded PNG, the frame's index in the clip and its path in the package, and returns the frame's validation entry.
    /// </summary>
    /// <exception cref="IOException">The clip does not open.</exception>
    /// <exception cref="InvalidDataException">The clip is too short for the frames asked for.</exception>
    public static List<ValidationFrame> Sample(PackRequest request, Dictionary<string, Func<Stream>> contents, Func<Mat, long, string, ValidationFrame> frame)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentNullException.ThrowIfNull(frame);
        using var capture = new VideoCapture(request.Clip);
        if (!capture.IsOpened())
        {
            throw new IOException($"cannot open the clip '{request.Clip}'");
        }

        var results = new List<ValidationFrame>();
        using var read = new Mat();
        for (long index = 0; results.Count < request.Frames && capture.Read(read) && !read.Empty(); index++)
        {
            if (index % request.FrameStep != 0)
            {
                continue;
            }

            var png = read.ImEncode(".png");
            var path = $"validation/frame-{results.Count:000}.png";
            contents[path] = () => new MemoryStream(png, writable: false);
            using var decoded = Cv2.ImDecode(png, ImreadModes.Color);
            results.Add(frame(decoded, index, path));
        }

        return results.Count == request.Frames
            ? results
            : throw new InvalidDataException($"the clip '{request.Clip}' gave {results.Count} validation frames of {request.Frames} (every {request.FrameStep}th)");
    }
}
