-- Drives Neovim's built-in LSP client, headless, for tests/test_editors.py: the README's snippet starts
-- `kerasnanlint lsp`; this opens a Keras file, records the diagnostics, applies the preferred quick fix of one
-- finding through the client and waits for that finding to clear. Results go to $KNL_OUT as JSON.
local out = {}

local function codes(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, d.code)
  end
  table.sort(found)
  return found
end

local ok, err = pcall(function()
  local published = {}
  local default = vim.lsp.handlers["textDocument/publishDiagnostics"]
  vim.lsp.handlers["textDocument/publishDiagnostics"] = function(e, result, ctx, config)
    table.insert(published, result) -- as the server sent them: positions in the negotiated encoding
    return default(e, result, ctx, config)
  end

  dofile(os.getenv("KNL_SNIPPET"))
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("KNL_FILE")))
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50), "no diagnostics came")

  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, end_col = d.end_col })
  end
  out.published = published[#published].diagnostics

  local fix_code = os.getenv("KNL_FIX_CODE")
  local target
  for _, d in ipairs(out.published) do
    if d.code == fix_code then
      target = d
    end
  end
  assert(target, "no " .. fix_code .. " finding")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = target.range,
    context = { diagnostics = { target } },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 20000)
  local client_id, response = next(responses)
  local client = vim.lsp.get_client_by_id(client_id)
  out.encoding = client.offset_encoding
  out.titles = {}
  local chosen
  for _, action in ipairs(response.result or {}) do
    table.insert(out.titles, action.title)
    if chosen == nil and action.isPreferred then
      chosen = action
    end
  end
  assert(chosen, "no preferred quick fix")
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  out.applied = chosen.title
  out.cleared = vim.wait(60000, function()
    return not vim.tbl_contains(codes(buf), fix_code)
  end, 50)
  out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  out.after = codes(buf)
  vim.lsp.stop_client(client_id)
end)

if not ok then
  out.error = tostring(err)
end
local f = assert(io.open(os.getenv("KNL_OUT"), "w"))
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd("qa!")
