using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Vsa.Edge.Agent.Platform;

/// <summary>
/// The GPU and TensorRT a TensorRT engine is built for. An engine (and a timing cache) is valid only for the exact
/// TensorRT version and GPU that built it, so both go into the engine cache folder's name.
/// </summary>
public static class NvidiaStack
{
    // Newest first: TensorRT 10 (JetPack 6, CUDA 12 x86-64), then 8 (JetPack 5), then whatever the unversioned link names.
    private static readonly string[] NvInferLibraries = ["libnvinfer.so.10", "libnvinfer.so.8", "libnvinfer.so"];

    /// <summary>
    /// The GPU's name: the device-tree model on a Jetson (the GPU is part of the module), else the first line of
    /// <c>nvidia-smi --query-gpu=name --format=csv,noheader</c>; false when neither is available.
    /// </summary>
    public static bool TryGetGpuName(IHostFiles files, BoardInfo board, [NotNullWhen(true)] out string? name)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(board);
        if (board is { IsJetson: true, Model: { } model })
        {
            name = model;
            return true;
        }

        name = files.TryRun("nvidia-smi", "--query-gpu=name --format=csv,noheader", TimeSpan.FromSeconds(10), out var output)
            ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            : null;
        return !string.IsNullOrEmpty(name);
    }

    /// <summary>Asks the TensorRT library itself (<c>getInferLibVersion</c> in <c>libnvinfer</c>); false when it cannot be loaded.</summary>
    public static bool TryGetLoadedTensorRtVersion([NotNullWhen(true)] out string? version)
    {
        foreach (var library in NvInferLibraries)
        {
            if (!NativeLibrary.TryLoad(library, out var handle))
            {
                continue;
            }

            // The library stays loaded: the TensorRT execution provider loads it again in a moment anyway.
            if (NativeLibrary.TryGetExport(handle, "getInferLibVersion", out var export))
            {
                unsafe
                {
                    version = DecodeTensorRtVersion(((delegate* unmanaged<int>)export)());
                }

                return true;
            }
        }

        version = null;
        return false;
    }

    /// <summary>
    /// Decodes <c>getInferLibVersion()</c>: major×10000 + minor×100 + patch since TensorRT 10 (101602 = 10.16.2),
    /// major×1000 + minor×100 + patch before (8601 = 8.6.1).
    /// </summary>
    public static string DecodeTensorRtVersion(int encoded)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(encoded);
        var (major, minor, patch) = encoded >= 10_000
            ? (encoded / 10_000, encoded / 100 % 100, encoded % 100)
            : (encoded / 1_000, encoded / 100 % 10, encoded % 100);
        return string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{patch}");
    }
}
