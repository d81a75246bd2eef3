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
    public static async Task<IReadOnlyList<NamedTensor>> RunAsync(string modelJson, float[] input, long[] shape, string workDirectory)
    {
        var inputPath = Path.Combine(workDirectory, "input.bin");
        var outputDirectory = Path.Combine(workDirectory, "tfjs-out");
        var bytes = new byte[input.Length * sizeof(float)];
        Buffer.BlockCopy(input, 0, bytes, 0, bytes.Length);
        await File.WriteAllBytesAsync(inputPath, bytes);

        var script = Path.Combine(TestAssets.RepositoryRoot, "models", "Vsa.Edge.Models", "tools", "tfjs-run.mjs");
        var result = await ProcessRunner.RunAsync(
            "node",
            ["--no-warnings", script, "--tfjs", TestAssets.NodeTools, "--model", modelJson, "--input", inputPath,
                "--shape", string.Join(",", shape), "--out", outputDirectory],
            TimeSpan.FromMinutes(4),
            CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"tfjs-run.mjs failed ({result.ExitCode}):\n{result.StandardError}\n{result.StandardOutput}");

        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDirectory, "outputs.json")));
        var outputs = new List<NamedTensor>();
        foreach (var entry in index.RootElement.EnumerateArray())
        {
            var raw = await File.ReadAllBytesAsync(Path.Combine(outputDirectory, entry.GetProperty("file").GetString()!));
            var values = new float[raw.Length / sizeof(float)];
            Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
            outputs.Add(new NamedTensor(
                entry.GetProperty("name").GetString()!,
                [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())],
                values));
        }

        return outputs;
    }
}
