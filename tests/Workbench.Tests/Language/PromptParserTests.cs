using Workbench.Data.Language;

namespace Workbench.Tests.Language;

public class PromptParserTests
{
    [Fact]
    public void ReadsBackEveryPromptTheGrammarProduces()
    {
        foreach (var style in Enum.GetValues<Style>())
            foreach (var e in new CorpusSampler(style, 51).NextEpisodes(1000))
                Assert.Equal((e.Scene, e.Question), PromptParser.Parse(e.Prompt));
    }

    [Fact]
    public void ReadsTheLastEpisodeOfSeveral()
    {
        var episodes = new CorpusSampler(Style.A, 52).NextEpisodes(3);
        var fewShot = episodes[0].Text + " " + episodes[1].Text + " " + episodes[2].PromptText;
        Assert.Equal((episodes[2].Scene, episodes[2].Question), PromptParser.Parse(fewShot));
        var noBos = fewShot.Replace("<bos> ", "");
        Assert.Equal((episodes[2].Scene, episodes[2].Question), PromptParser.Parse(noBos));
    }

    [Theory]
    [InlineData("alice has 3 apples . how many apples does alice have ?", "a prompt must end with the answer marker <ans> (got '?')")]
    [InlineData("alice has 3 apples . how many apples does bob have ? <ans>", "prompt word 9 ('bob'): 'bob' is not in the context")]
    [InlineData("alice has 3 apples . bob has 4 pears . who has more apples , alice or bob ? <ans>", "prompt word 9 ('.'): the context mixes apples and pears; an episode has one kind of object")]
    [InlineData("alice has 33 apples . how many apples does alice have ? <ans>", "prompt word 2 ('33'): expected a number 0..20")]
    [InlineData("alice has 3 apples . alice has 4 apples . how many apples does alice have ? <ans>", "prompt word 5 ('alice'): 'alice' is stated twice in the context")]
    [InlineData("alice has 3 apples . bob has 5 apples . how many more apples does alice have than bob ? <ans>", "prompt word 19 ('?'): alice (3) has fewer than bob (5); the grammar only asks for a non-negative difference")]
    [InlineData("alice has 3 apples . bob has 3 apples . who has fewer apples , alice or bob ? <ans>", "prompt word 18 ('?'): alice and bob both have 3; a comparison needs different counts")]
    [InlineData("alice has 3 apples . what is it ? <ans>", "prompt word 5 ('what'): expected a question (how many … or who …)")]
    [InlineData("how many apples does alice have ? <ans>", "prompt word 0 ('how'): expected a fact (a name) to start the context")]
    [InlineData("alice has 3 apples . who has more than 1 apples ? ? <ans>", "prompt word 12 ('?'): expected <ans> after the question")]
    public void BadPromptsFailWithOneLineNamingTheWord(string prompt, string message)
    {
        var e = Assert.Throws<PromptFormatException>(() => PromptParser.Parse(prompt));
        Assert.Equal(message, e.Message);
        Assert.Throws<PromptFormatException>(() => AnswerChecker.ForPrompt(prompt));
    }
}
