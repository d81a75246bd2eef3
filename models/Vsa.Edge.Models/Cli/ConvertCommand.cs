using System.CommandLine;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Models.Conversion;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model convert --graph model.json --out model.onnx</c>.</summary>
public sealed class ConvertCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var graph = CliOptions.Required("--graph", "the TensorFlow.js graph (model.json, its .bin shards beside it)");
        var output = CliOptions.Required("--out", "the ONNX file to write");
        return ToolApp.Command("convert", "convert a TensorFlow.js graph model (model.json + .bin) to ONNX", console, async (result, _) =>
        {
            await Run(result.GetRequiredValue(graph), result.GetRequiredValue(output), console);
            return 0;
        }, graph, output);
    }

    /// <summary>Converts and prints a one-line report (shared with <c>prepare</c>).</summary>
    internal static async Task<ConversionReport> Run(string graph, string output, ToolConsole console, ConversionOptions? options = null)
    {
        await console.Out.WriteLineAsync($"converting {graph} → {output} …");
        var start = console.Time.GetTimestamp();
        var report = ModelConversion.ConvertFile(graph, output, options);
        await console.Out.WriteLineAsync(
            $"converted in {console.Since(start)}: {report.TfNodes} TF nodes ({report.FoldedNodes} folded) → {report.OnnxNodes} ONNX nodes " +
            $"({report.OnnxNodesBeforeCleanup} before clean-up), {report.Initializers} initializers, {report.Bytes / 1e6:0.0} MB");
        return report;
    }
}
