"""`curl` commands as providers publish them in their docs, verbatim (indentation and all), each with
where it was published. tests/unit/test_curl_import.py imports every one and checks what it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.headers import SecretHeader


@dataclass(frozen=True)
class Published:
    source: str  # where the command is published (repository and path, or the docs page)
    text: str
    # What the import must give: provider, base URL, model, messages as (role, content), key.
    provider_id: str = "custom"
    base_url: str = ""
    model: str = ""
    messages: tuple[tuple[str, str], ...] = ()
    params: dict[str, object] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()  # plain setup headers kept
    secret_headers: tuple[SecretHeader, ...] = ()  # credential headers kept (placeholders: no value)
    query: tuple[tuple[str, str], ...] = ()
    auth_header: str = "Authorization"
    problems: tuple[str, ...] = ()
    refused: str = ""  # the one sentence, when the command cannot be imported


HELLO = (("developer", "You are a helpful assistant."), ("user", "Hello!"))

OPENAI = Published(
    source="openai/openai-openapi, openapi.yaml, x-oaiMeta of POST /chat/completions "
    "(https://platform.openai.com/docs/api-reference/chat/create)",
    text="""curl https://api.openai.com/v1/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -d '{
    "model": "VAR_chat_model_id",
    "messages": [
      {
        "role": "developer",
        "content": "You are a helpful assistant."
      },
      {
        "role": "user",
        "content": "Hello!"
      }
    ]
  }'
""",
    provider_id="openai",
    base_url="https://api.openai.com/v1",
    model="VAR_chat_model_id",
    messages=HELLO,
    problems=('The model "VAR_chat_model_id" looks like a placeholder; pick or type a model in the sidebar.',),
)

AZURE_STRUCTURED = Published(
    source="MicrosoftDocs/azure-ai-docs, articles/ai-services/openai/how-to/structured-outputs.md, REST tab "
    "(https://learn.microsoft.com/azure/ai-services/openai/how-to/structured-outputs)",
    text="""curl -X POST  https://YOUR_RESOURCE_NAME.openai.azure.com/openai/deployments/YOUR_MODEL_DEPLOYMENT_NAME/chat/completions?api-version=2024-10-21 \\
  -H "api-key: $AZURE_OPENAI_API_KEY" \\
  -H "Content-Type: application/json" \\
    -d '{
        "messages": [
                {"role": "system", "content": "Extract the event information."},
                {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."}
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "CalendarEventResponse",
                    "strict": true,
                    "schema": {
                        "type": "object",
                        "properties": {
                            "name": {
                              "type": "string"
                            },
                            "date": {
                                "type": "string"
                            },
                            "participants": {
                                "type": "array",
                                "items": {
                                    "type": "string"
                                }
                            }
                        },
                        "required": [
                            "name",
                            "date",
                            "participants"
                        ],
                        "additionalProperties": false
                    }
                }
          }
  }'
""",  # noqa: E501
    base_url="https://YOUR_RESOURCE_NAME.openai.azure.com/openai/deployments/YOUR_MODEL_DEPLOYMENT_NAME",
    model="YOUR_MODEL_DEPLOYMENT_NAME",
    messages=(
        ("system", "Extract the event information."),
        ("user", "Alice and Bob are going to a science fair on Friday."),
    ),
    params={
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "CalendarEventResponse",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "date": {"type": "string"},
                        "participants": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "date", "participants"],
                    "additionalProperties": False,
                },
            },
        }
    },
    query=(("api-version", "2024-10-21"),),
    auth_header="api-key",
    problems=(
        "The command has a placeholder key ($AZURE_OPENAI_API_KEY), not a key: type your key in the API key field.",
        "The URL has placeholders (YOUR_RESOURCE_NAME, YOUR_MODEL_DEPLOYMENT_NAME); put in your own in the Base "
        "URL field.",
        'The model "YOUR_MODEL_DEPLOYMENT_NAME" looks like a placeholder; pick or type a model in the sidebar.',
    ),
)

AZURE_ENDPOINT_VARIABLE = Published(
    source="MicrosoftDocs/azure-ai-docs, Deploy a fine-tuned model (fine-tuning-deploy.md), REST tab of "
    "'Use your deployed fine-tuned model'",
    text="""curl $AZURE_OPENAI_ENDPOINT/openai/deployments/<deployment_name>/chat/completions?api-version=2024-10-21 \\
  -H "Content-Type: application/json" \\
  -H "api-key: $AZURE_OPENAI_API_KEY" \\
  -d '{"messages":[{"role": "system", "content": "You are a helpful assistant."},{"role": "user", "content": "Does Azure OpenAI support customer managed keys?"},{"role": "assistant", "content": "Yes, customer managed keys are supported by Azure OpenAI."},{"role": "user", "content": "Do other Azure services support this too?"}]}'
""",  # noqa: E501
    refused="The URL starts with $AZURE_OPENAI_ENDPOINT, a variable the paste does not set; write the address "
    "itself (https://…) and paste again.",
)

HELICONE_OPENAI = Published(
    source="Helicone/helicone, docs/integrations/openai/curl.mdx",
    text="""    curl --request POST \\
        --url https://oai.helicone.ai/v1/chat/completions \\
        --header 'Authorization: Bearer <<YOUR_OPENAI_API_KEY>>' \\
        --header 'Content-Type: application/json' \\
        --header 'Helicone-Auth: Bearer <<YOUR_HELICONE_API_KEY>>' \\
        --data '{
            "model": "gpt-3.5-turbo",
            "messages": [
                {
                    "role": "system",
                    "content": "Say Hello!"
                }
            ],
            "temperature": 1,
            "max_tokens": 10
    }'
""",
    base_url="https://oai.helicone.ai/v1",
    model="gpt-3.5-turbo",
    messages=(("system", "Say Hello!"),),
    params={"temperature": 1, "max_tokens": 10},
    secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer "),),
    problems=(
        "The Helicone-Auth header has a placeholder value; type its value under Custom headers in the sidebar "
        "(it is kept for this session only).",
        "The command has a placeholder key (<<YOUR_OPENAI_API_KEY>>), not a key: type your key in the API key field.",
    ),
)

HELICONE_GROQ = Published(
    source="Helicone/helicone, docs/integrations/groq/curl.mdx",
    text="""curl -X POST "https://groq.staging.helicone.ai/openai/v1/chat/completions" \\
     -H "Authorization: Bearer $GROQ_API_KEY" \\
     -H "Helicone-Auth: Bearer $HELICONE_API_KEY" \\
     -H "Content-Type: application/json" \\
     -d '{"messages": [{"role": "user", "content": "Explain the importance of fast language models"}], "model": "llama3-8b-8192"}'
""",  # noqa: E501
    base_url="https://groq.staging.helicone.ai/openai/v1",
    model="llama3-8b-8192",
    messages=(("user", "Explain the importance of fast language models"),),
    secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_API_KEY", "Bearer "),),
    problems=(
        "The Helicone-Auth header has a placeholder value; type its value under Custom headers in the sidebar "
        "(it is kept for this session only).",
        "The command has a placeholder key ($GROQ_API_KEY), not a key: type your key in the API key field.",
    ),
)

HELICONE_AZURE = Published(
    source="Helicone/helicone, docs/integrations/azure/curl.mdx",
    text="""    curl --request POST \\
        --url https://oai.helicone.ai/openai/deployments/DEPLOYMENTNAME/chat/completions?api-version=[API_VERSION] \\
        --header 'Helicone-Auth: Bearer [HELICONE_KEY]' \\
        --header 'Helicone-OpenAI-Api-Base: https://[AZUREDOMAIN].openai.azure.com' \\
        --header 'api-key: [AZURE_API_KEY]' \\
        --header 'content-type: application/json' \\
        --data '{
            "messages": [
                {
                    "role": "user",
                    "content": "Answer in one word"
                }
            ],
            "max_tokens": 800,
            "temperature": 1,
            "model": "gpt-3.5-turbo-0613"
        }'
""",
    refused="This Azure OpenAI command's api-version is a placeholder ([API_VERSION]); put in a version such as "
    "2024-10-21 and paste again.",
)

HELICONE_DEEPSEEK = Published(
    source="Helicone/helicone, docs/getting-started/integration-method/deepseek.mdx",
    text="""curl --request POST \\
      --url https://deepseek.helicone.ai/chat/completions \\
      --header 'Content-Type: application/json' \\
      --header "Authorization: Bearer $DEEPSEEK_API_KEY" \\
      --header "Helicone-Auth: Bearer $HELICONE_API_KEY" \\
      --data '{
          "model": "deepseek-chat",
          "messages": [
              {
                  "role": "system",
                  "content": "Say Hello!"
              }
          ],
          "temperature": 1,
          "max_tokens": 30
        }'
""",
    base_url="https://deepseek.helicone.ai",
    model="deepseek-chat",
    messages=(("system", "Say Hello!"),),
    params={"temperature": 1, "max_tokens": 30},
    secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_API_KEY", "Bearer "),),
    problems=(
        "The Helicone-Auth header has a placeholder value; type its value under Custom headers in the sidebar "
        "(it is kept for this session only).",
        "The command has a placeholder key ($DEEPSEEK_API_KEY), not a key: type your key in the API key field.",
    ),
)

DEEPSEEK = Published(
    source="https://api-docs.deepseek.com/api_samples/chat_curl",
    text="""curl https://api.deepseek.com/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer ${DEEPSEEK_API_KEY}" \\
  -d '{
        "model": "deepseek-chat",
        "messages": [
          {"role": "system", "content": "You are a helpful assistant."},
          {"role": "user", "content": "Hello!"}
        ],
        "stream": false
      }'
""",
    base_url="https://api.deepseek.com",
    model="deepseek-chat",
    messages=(("system", "You are a helpful assistant."), ("user", "Hello!")),
    params={"stream": False},
    problems=(
        "The command has a placeholder key (${DEEPSEEK_API_KEY}), not a key: type your key in the API key field.",
    ),
)

OPENROUTER = Published(
    source="https://openrouter.ai/docs/guides/guides/distillation (cURL tab of 'Enforcing Distillable Models')",
    text="""  curl https://openrouter.ai/api/v1/chat/completions \\
    -H "Authorization: Bearer <OPENROUTER_API_KEY>" \\
    -H "HTTP-Referer: <YOUR_SITE_URL>" \\
    -H "X-OpenRouter-Title: <YOUR_SITE_NAME>" \\
    -H "Content-Type: application/json" \\
    -d '{
      "model": "meta-llama/llama-3.1-70b-instruct",
      "messages": [{"role": "user", "content": "Explain quantum computing"}],
      "provider": {
        "enforce_distillable_text": true
      }
    }'
""",
    base_url="https://openrouter.ai/api/v1",
    model="meta-llama/llama-3.1-70b-instruct",
    messages=(("user", "Explain quantum computing"),),
    params={"provider": {"enforce_distillable_text": True}},
    problems=(
        "The header(s) HTTP-Referer and X-OpenRouter-Title have placeholder values (<YOUR_SITE_URL>, "
        "<YOUR_SITE_NAME>) and were left out; add them with your own values under Custom headers in the sidebar.",
        "The command has a placeholder key (<OPENROUTER_API_KEY>), not a key: type your key in the API key field.",
        "Not standard chat-completions fields, kept as extra parameters: provider.",
    ),
)

OLLAMA = Published(
    source="ollama/ollama, docs/openai.md",
    text="""curl http://localhost:11434/v1/chat/completions \\
    -H "Content-Type: application/json" \\
    -d '{
        "model": "llama2",
        "messages": [
            {
                "role": "system",
                "content": "You are a helpful assistant."
            },
            {
                "role": "user",
                "content": "Hello!"
            }
        ]
    }'
""",
    base_url="http://localhost:11434/v1",
    model="llama2",
    messages=(("system", "You are a helpful assistant."), ("user", "Hello!")),
)

VLLM = Published(
    source="vllm-project/vllm, docs/getting_started/quickstart.md (OpenAI Chat Completions API with vLLM)",
    text="""curl http://localhost:8000/v1/chat/completions \\
    -H "Content-Type: application/json" \\
    -d '{
        "model": "Qwen/Qwen2.5-1.5B-Instruct",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Who won the world series in 2020?"}
        ]
    }'
""",
    base_url="http://localhost:8000/v1",
    model="Qwen/Qwen2.5-1.5B-Instruct",
    messages=(("system", "You are a helpful assistant."), ("user", "Who won the world series in 2020?")),
)

MISTRAL = Published(
    source="mistralai/platform-docs-public, docs/capabilities/completion.mdx (curl tab)",
    text="""curl --location "https://api.mistral.ai/v1/chat/completions" \\
     --header 'Content-Type: application/json' \\
     --header 'Accept: application/json' \\
     --header "Authorization: Bearer $MISTRAL_API_KEY" \\
     --data '{
    "model": "mistral-large-latest",
    "messages": [
     {
        "role": "user",
        "content": "What is the best French cheese?"
      }
    ]
  }'
""",
    base_url="https://api.mistral.ai/v1",
    model="mistral-large-latest",
    messages=(("user", "What is the best French cheese?"),),
    problems=("The command has a placeholder key ($MISTRAL_API_KEY), not a key: type your key in the API key field.",),
)

PUBLISHED = [OPENAI, AZURE_STRUCTURED, AZURE_ENDPOINT_VARIABLE, HELICONE_OPENAI, HELICONE_GROQ, HELICONE_AZURE,
             HELICONE_DEEPSEEK, DEEPSEEK, OPENROUTER, OLLAMA, VLLM, MISTRAL]  # fmt: skip
