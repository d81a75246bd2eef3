using System.Text.Json;
using Vsa.Edge.Models.Fetch;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Support;

/// <summary>One output of a model run: name, shape, values.</summary>
public sealed record NamedTensor(string Name, long[] Shape, float[] Values)
{
    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>Runs the ORIGINAL TensorFlow.js model with <c>@tensorflow/tfjs</c> on Node (tools/tfjs-run.mjs).</summary>
public static class TfjsReference
{
    public static Task<IReadOnlyList<NamedTensor>> RunAsync(string modelJson, float[] input, long[] shape, string workDirectory) =>
        RunAsync(modelJson, Bytes(input, sizeof(float)), "float32", shape, workDirectory);

    /// <summary>Runs a model whose input is int32 (MoveNet takes RGB 0–255 as int32).</summary>
    public static Task<IReadOnlyList<NamedTensor>> RunAsync(string modelJson, int[] input, long[] shape, string workDirectory) =>
        RunAsync(modelJson, Bytes(input, sizeof(int)), "int32", shape, workDirectory);

    private static byte[] Bytes(Array values, int width)
    {
        var bytes = new byte[values.Length * width];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static async Task<IReadOnlyList<NamedTensor>> RunAsync(string modelJson, byte[] input, string dtype, long[] shape, string workDirectory)
    {
        var inputPath = Path.Combine(workDirectory, "input.bin");
        var outputDirectory = Path.Combine(workDirectory, "tfjs-out");
        await File.WriteAllBytesAsync(inputPath, input);

        var script = Path.Combine(TestAssets.RepositoryRoot, "models", "Vsa.Edge.Models", "tools", "tfjs-run.mjs");
        var result = await ProcessRunner.RunAsync(
            "node",
            ["--no-warnings", script, "--tfjs", TestAssets.NodeTools, "--model", modelJson, "--input", inputPath,
                "--shape", string.Join(",", shape), "--dtype", dtype, "--out", outputDirectory],
            TimeSpan.FromMinutes(4),
            CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"tfjs-run.mjs failed ({result.ExitCode}):\n{result.StandardError}\n{result.StandardOutput}");

        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDirectory, "outputs.json")));
        var outputs = new List<NamedTensor>();
        foreach (var entry in index.RootElement.EnumerateArray())
        {
            var raw = await File.ReadAllBytesAsync(Path.Combine(outputDirectory, entry.GetProperty("file").GetString()!));
            // Outputs come in their own dtype; int32 ones (indices) are compared as floats, exactly representable here.
            var outputType = entry.GetProperty("dtype").GetString();
            Assert.True(outputType is "float32" or "int32", $"tfjs output of dtype {outputType} cannot be compared here");
            var values = new float[raw.Length / sizeof(float)];
            if (outputType == "int32")
            {
                var ints = new int[values.Length];
                Buffer.BlockCopy(raw, 0, ints, 0, raw.Length);
                values = Array.ConvertAll(ints, v => (float)v);
            }
            else
            {
                Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
            }

            outputs.Add(new NamedTensor(
                entry.GetProperty("name").GetString()!,
                [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())],
                values));
        }

        return outputs;
    }
}
